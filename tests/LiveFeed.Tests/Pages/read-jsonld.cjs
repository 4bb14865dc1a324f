// Reads a page's JSON-LD as a search engine's JSON-LD processor would, with the jsonld package
// (clients/web's dev dependency; NODE_PATH points there): expands the file named by the first
// argument and writes the expanded form (every term a full schema.org IRI) to stdout.
// Offline, https://schema.org's context is this stand-in: its vocabulary (@vocab) without the
// type coercions of the real one, which change no term this test reads. Any other remote
// document is refused. safe mode fails on anything the processor would drop.
const { readFileSync } = require("node:fs");
const jsonld = require("jsonld");

const schemaOrg = { "@context": { "@vocab": "http://schema.org/" } };
const documentLoader = async (url) => {
  if (/^https?:\/\/schema\.org\/?$/.test(url)) {
    return { contextUrl: null, documentUrl: url, document: schemaOrg };
  }

  throw new Error(`refused to load ${url}`);
};

(async () => {
  const document = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const expanded = await jsonld.expand(document, { documentLoader, safe: true });
  process.stdout.write(JSON.stringify(expanded));
})().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
