// Builds the pages into dist/: the HTML as it is, each page's script bundled (with the
// SignalR client and its MessagePack protocol) and minified, the styles minified.
// The server's build runs this (npm run build) and serves dist/.
import { build } from "esbuild";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";

const out = new URL("./dist/", import.meta.url);
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  sourcemap: "linked",
  target: ["es2020"],
  logLevel: "warning",
  legalComments: "linked",
};

// Page scripts under /assets/; the widget at /widget.js, the address a news site embeds.
await build({
  ...common,
  entryPoints: { reader: "src/reader.js", newsroom: "src/newsroom.js" },
  outdir: "dist/assets",
  format: "iife",
  platform: "browser",
});
await build({
  ...common,
  entryPoints: { widget: "src/widget.js" },
  outdir: "dist",
  format: "iife",
  platform: "browser",
});
await build({
  ...common,
  entryPoints: ["styles/livefeed.css", "styles/reader.css", "styles/newsroom.css"],
  outdir: "dist/assets",
  sourcemap: false,
});
await cp("static", "dist", { recursive: true });

// The server's build compares this stamp with the sources to know whether to build again.
await writeFile(new URL("./.built", out), `${new Date().toISOString()}\n`);
