// The reader page (/): the live column of ?feed=name (default main), which the server rendered
// with the latest items; this takes it over and keeps it live. The hub protocol is JSON;
// ?protocol=messagepack picks MessagePack, whose code (a chunk of its own, about a third of this
// script's weight) is loaded only then.
import { mountLiveColumn } from "./live-column.js";

const params = new URLSearchParams(window.location.search);
const feed = params.get("feed") || "main";
const title = feed === "main" ? "Latest news" : `Latest news: ${feed}`;
const hubProtocol = params.get("protocol") === "messagepack"
  ? import("@microsoft/signalr-protocol-msgpack").then(({ MessagePackHubProtocol }) => new MessagePackHubProtocol())
  : Promise.resolve(null);

hubProtocol.then((protocol) => {
  // For the browser tests and anyone curious in the console.
  window.liveFeed = mountLiveColumn(document.getElementById("live"), {
    server: "",
    feed,
    hubProtocol: protocol,
    title,
    headingLevel: 1,
  });
});
