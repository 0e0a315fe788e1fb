// Writes docs/openapi.json from the built route table (functions/lib): `npm run openapi`.
// test/unit/openapi.test.ts fails when the committed file differs from what the code makes.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const { ROUTES, VERSION } = require(join(root, "functions", "lib", "http", "routes.js"));
const { openApiDocument } = require(join(root, "functions", "lib", "http", "openapi.js"));
writeFileSync(join(root, "docs", "openapi.json"), `${JSON.stringify(openApiDocument(ROUTES, VERSION), null, 2)}\n`);
console.log("[openapi] docs/openapi.json written");
