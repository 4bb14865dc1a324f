// The reader page (/): the live column of ?feed=name (default main), which the server rendered
// with the latest items; this takes it over and keeps it live. ?protocol=json picks the JSON hub
// protocol; MessagePack is the default.
import { mountLiveColumn } from "./live-column.js";

const params = new URLSearchParams(window.location.search);
const feed = params.get("feed") || "main";
const title = feed === "main" ? "Latest news" : `Latest news: ${feed}`;

const live = mountLiveColumn(document.getElementById("live"), {
  server: "",
  feed,
  protocol: params.get("protocol"),
  title,
  headingLevel: 1,
});

// For the browser tests and anyone curious in the console.
window.liveFeed = live;
