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
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

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

// Plain name ("reader.js") -> address ("/assets/reader-3FQ7XK2A.js"), from esbuild's metafile;
// and for a module, the chunks it imports at once, which its page asks for beside it (modulepreload).
const manifest = {};
const preload = {};
function record(result) {
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    // (A dynamic import is an entry point of its own, from node_modules: a chunk, not a page's asset.)
    if (output.entryPoint && !output.entryPoint.includes("node_modules")) {
      const name = basename(output.entryPoint).replace(/\.[^.]+$/, "") + (file.endsWith(".css") ? ".css" : ".js");
      manifest[name] = `/${relative("dist", file)}`;
      const chunks = (output.imports ?? []).filter((i) => i.kind === "import-statement").map((i) => `/${relative("dist", i.path)}`);
      if (chunks.length > 0) {
        preload[name] = chunks;
      }
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
// The reader page's script is a module: what only some readers need (MessagePack) is a chunk of
// its own, loaded when asked for.
record(await build({
  ...common,
  entryPoints: { reader: "src/reader.js" },
  entryNames: "[name]-[hash]",
  chunkNames: "chunk-[hash]",
  outdir: "dist/assets",
  format: "esm",
  splitting: true,
  platform: "browser",
}));
record(await build({
  ...common,
  entryPoints: { newsroom: "src/newsroom.js" },
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

// Every script and style also compressed once, at its best, for clients that accept it (the server
// sends file.js.br as file.js with Content-Encoding: br): a fifth smaller than compressing on the fly.
for (const entry of await readdir(out, { recursive: true })) {
  if (/\.(?:js|css)$/.test(entry)) {
    const file = new URL(entry, out);
    const content = await readFile(file);
    await writeFile(new URL(`${entry}.br`, out), brotliCompressSync(content, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
      },
    }));
    await writeFile(new URL(`${entry}.gz`, out), gzipSync(content, { level: 9 }));
  }
}

await writeFile(new URL("./manifest.json", out), `${JSON.stringify({ assets: manifest, preload }, null, 2)}\n`);

// The server's build compares this stamp with the sources to know whether to build again.
await writeFile(new URL("./.built", out), `${new Date().toISOString()}\n`);
