// Builds the pages into dist/: each page's script bundled (with the SignalR client and its
// MessagePack protocol) and minified, the styles minified, the static files as they are.
// Everything under /assets/ carries a hash of its content in its name (reader-3FQ7XK2A.js), so
// that browsers and CDNs may keep it for ever; dist/manifest.json maps each asset's plain name to
// its address, for the server's rendered pages, and the static HTML is rewritten to those
// addresses here. The widget keeps its one address, /widget.js, which news sites embed.
// The server's build runs this (npm run build) and serves dist/.
import { build } from "esbuild";
import { cp, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { basename, relative } from "node:path";

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
  metafile: true,
};

// Plain name ("reader.js") -> address ("/assets/reader-3FQ7XK2A.js"), from esbuild's metafile.
const manifest = {};
function record(result) {
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (output.entryPoint) {
      const name = basename(output.entryPoint).replace(/\.[^.]+$/, "") + (file.endsWith(".css") ? ".css" : ".js");
      manifest[name] = `/${relative("dist", file)}`;
    }
  }
}

record(await build({
  ...common,
  entryPoints: ["styles/livefeed.css", "styles/reader.css", "styles/newsroom.css"],
  entryNames: "[name]-[hash]",
  outdir: "dist/assets",
  sourcemap: false,
}));
record(await build({
  ...common,
  entryPoints: { reader: "src/reader.js", newsroom: "src/newsroom.js" },
  entryNames: "[name]-[hash]",
  outdir: "dist/assets",
  format: "iife",
  platform: "browser",
}));
await build({
  ...common,
  entryPoints: { widget: "src/widget.js" },
  outdir: "dist",
  format: "iife",
  platform: "browser",
  // The widget's stylesheet, by its hashed address.
  define: { LIVEFEED_STYLESHEET: JSON.stringify(manifest["livefeed.css"]) },
});

await cp("static", "dist", { recursive: true });
for (const name of await readdir(out)) {
  if (name.endsWith(".html")) {
    const file = new URL(name, out);
    const html = await readFile(file, "utf8");
    await writeFile(file, html.replace(/\/assets\/([a-z-]+\.(?:js|css))/g, (whole, asset) => {
      if (!manifest[asset]) {
        throw new Error(`${name} names ${whole}, which the build does not make`);
      }

      return manifest[asset];
    }));
  }
}

await writeFile(new URL("./manifest.json", out), `${JSON.stringify(manifest, null, 2)}\n`);

// The server's build compares this stamp with the sources to know whether to build again.
await writeFile(new URL("./.built", out), `${new Date().toISOString()}\n`);
