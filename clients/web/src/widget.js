// The embeddable widget. A news site adds
//   <script src="https://live.example.com/widget.js" data-feed="main" async></script>
// and the live column renders where the tag stands (or inside the element whose id is in
// data-target), in a shadow root so that the site's styles and the column's leave each other
// alone. data-server names the LiveFeed server when it is not the one the script came from;
// data-title sets the heading. It speaks the JSON hub protocol: MessagePack's code would weigh more
// than it saves on the few events one page view sees.
// A site that includes the column's HTML on its server (/feeds/{feed}/column) gets the column
// already rendered, in a declarative shadow root right before this tag: the script takes it over
// and goes live from the position it was rendered at.
import { mountLiveColumn } from "./live-column.js";

/* global LIVEFEED_STYLESHEET */ // the build puts the stylesheet's hashed address here

const script = document.currentScript;
if (script) {
  const options = script.dataset;
  const server = (options.server || new URL(script.src, document.baseURI).origin).replace(/\/+$/, "");
  const mount = () => mountLiveColumn(container(script, options, server), {
    server,
    feed: options.feed || "main",
    title: options.title || "Latest news",
  });
  // A data-target further down the page is not parsed yet while this runs (a plain or async tag
  // before its element): look for it once the whole page is.
  if (options.target && !document.getElementById(options.target) && document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount, { once: true });
  } else {
    mount();
  }
}

// The element the column goes in: the column the server rendered right before the tag, or a new one
// in its own shadow root, inside data-target's element or else right after the tag.
function container(script, options, server) {
  const included = script.previousElementSibling;
  const rendered = included?.matches(".livefeed-widget") ? included.shadowRoot?.querySelector(".lf-root") : null;
  if (rendered) {
    return rendered;
  }

  const host = document.createElement("div");
  host.className = "livefeed-widget";
  const target = options.target ? document.getElementById(options.target) : null;
  if (target) {
    target.append(host);
  } else {
    script.after(host);
  }

  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = `${server}${LIVEFEED_STYLESHEET}`;
  const column = document.createElement("div");
  column.className = "lf-root lf-widget";
  root.append(style, column);
  return column;
}
