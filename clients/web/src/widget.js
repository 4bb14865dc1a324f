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
  const included = script.previousElementSibling;
  let container = included?.matches(".livefeed-widget") ? included.shadowRoot?.querySelector(".lf-root") : null;
  if (!container) {
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
    container = document.createElement("div");
    container.className = "lf-root lf-widget";
    root.append(style, container);
  }

  mountLiveColumn(container, {
    server,
    feed: options.feed || "main",
    title: options.title || "Latest news",
  });
}
