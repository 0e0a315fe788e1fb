import { readFileSync } from "node:fs";
import { join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { expect } from "chai";
import { ERROR_STATUS } from "../../src/errors.js";
import { openApiDocument } from "../../src/http/openapi.js";
import { ROUTES, VERSION } from "../../src/http/routes.js";

// The OpenAPI document: made from the route table, committed as docs/openapi.json, valid OAS 3.0.
const committedPath = join(__dirname, "..", "..", "..", "docs", "openapi.json");
const generated = () => openApiDocument(ROUTES, VERSION);

describe("OpenAPI document (docs/openapi.json, GET /openapi.json)", () => {
  it("the committed docs/openapi.json is what the code makes (run `npm run openapi` after changing a route)", () => {
    expect(JSON.parse(readFileSync(committedPath, "utf8"))).to.deep.equal(generated());
  });

  it("is a valid OpenAPI 3.0 document (swagger-parser), with the package's version", async () => {
    const doc = generated();
    expect(doc.openapi).to.match(/^3\.0\.\d+$/);
    expect((doc.info as { version: string }).version).to.equal(
      (JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version,
    );
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  it("lists every route and method of the table, each with a unique operationId, and every error code somewhere", () => {
    const doc = generated() as {
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, { description: string }> }>>;
    };
    const ids: string[] = [];
    for (const [pattern, methods] of Object.entries(ROUTES)) {
      const item = doc.paths[pattern.replace(/:([A-Za-z]+)/g, "{$1}")];
      expect(item, pattern).to.not.equal(undefined);
      for (const method of Object.keys(methods)) {
        const op = item?.[method.toLowerCase()];
        expect(op, `${method} ${pattern}`).to.not.equal(undefined);
        ids.push(op?.operationId ?? "");
      }
    }
    expect(new Set(ids).size).to.equal(ids.length);
    const text = JSON.stringify(doc);
    for (const code of Object.keys(ERROR_STATUS)) expect(text, code).to.include(`\`${code}\``);
  });
});
