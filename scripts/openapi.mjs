// Writes docs/openapi.json, and the list of FlutterFlow API calls in docs/flutterflow.md (between
// its api-calls markers), straight from the TypeScript route table (functions/src, loaded with
// tsx: no build): `npm run openapi`. test/unit/openapi.test.ts and docs.test.ts fail, naming what
// differs, when the committed copies are not the code's.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// tsx is the functions' own dev dependency (the unit tests load the sources with it too).
const require = createRequire(join(root, "functions", "package.json"));
let tsx;
try {
  tsx = require("tsx/cjs/api");
} catch {
  throw new Error("[openapi] functions/node_modules is missing: run `npm start` or `node scripts/bootstrap.mjs` once");
}
const unregister = tsx.register();
const { ROUTES, VERSION } = require(join(root, "functions", "src", "http", "routes.ts"));
const { apiCallsMarkdown, openApiDocument } = require(join(root, "functions", "src", "http", "openapi.ts"));
unregister();
const document = openApiDocument(ROUTES, VERSION);
writeFileSync(join(root, "docs", "openapi.json"), `${JSON.stringify(document, null, 2)}\n`);
const guide = join(root, "docs", "flutterflow.md");
const text = readFileSync(guide, "utf8");
const start = "<!-- api-calls:start (npm run openapi writes this table) -->\n";
const end = "<!-- api-calls:end -->";
const from = text.indexOf(start);
const to = text.indexOf(end);
if (from < 0 || to < from) throw new Error("docs/flutterflow.md has no api-calls markers");
writeFileSync(guide, `${text.slice(0, from + start.length)}${apiCallsMarkdown(document)}${text.slice(to)}`);
console.log("[openapi] docs/openapi.json and the API calls of docs/flutterflow.md written");
