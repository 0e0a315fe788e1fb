import { readFileSync } from "node:fs";
import { join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { expect } from "chai";
import { ERROR_STATUS } from "../../src/errors.js";
import { BEARER_SCHEME, openApiDocument, PLACEHOLDER_SERVER, servedFrom } from "../../src/http/openapi.js";
import { ROUTES, VERSION } from "../../src/http/routes.js";
import { jsonDifferences } from "./json-differences.js";

// The OpenAPI document: made from the route table, committed as docs/openapi.json, valid OAS 3.0,
// and shaped for FlutterFlow's import (docs/flutterflow.md): one server, taken literally as the
// API Group's base URL; bodies built from their properties' own examples; the bearer scheme's
// name is the header variable's.
const committedPath = join(__dirname, "..", "..", "..", "docs", "openapi.json");
const generated = () => openApiDocument(ROUTES, VERSION);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Operation {
  readonly operationId: string;
  readonly responses: Record<string, { readonly description: string }>;
  readonly parameters?: { readonly name: string; readonly in: string; readonly required: boolean; readonly schema: Record<string, Json> }[];
  readonly security?: Record<string, string[]>[];
  readonly requestBody?: {
    readonly content: { readonly "application/json": { readonly schema: { properties?: Record<string, Record<string, Json>> } } };
  };
}
const operations = () => {
  const doc = generated() as unknown as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
};

describe("OpenAPI document (docs/openapi.json, GET /openapi.json)", () => {
  it("the committed docs/openapi.json is what the code makes (run `npm run openapi` after changing a route); a difference is named by its JSON path", () => {
    const committed = JSON.parse(readFileSync(committedPath, "utf8")) as Json;
    expect(jsonDifferences(committed, generated() as Json), "docs/openapi.json differs at (npm run openapi)").to.deep.equal([]);
  });

  it("names what differs: a changed value, a missing and an extra key, an array of another length", () => {
    const before: Json = { a: { b: 1, c: [1, 2] }, d: "x" };
    const after: Json = { a: { b: 2, c: [1] }, e: true };
    expect(jsonDifferences(before, after)).to.deep.equal([
      "$.a.b: 1 -> 2",
      "$.a.c: 2 items -> 1",
      "$.d: only in the first",
      "$.e: only in the second",
    ]);
  });

  it("is a valid OpenAPI 3.0 document (swagger-parser), with the package's version, served or committed", async () => {
    const doc = generated();
    expect(doc.openapi).to.match(/^3\.0\.\d+$/);
    expect((doc.info as { version: string }).version).to.equal(
      (JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version,
    );
    await SwaggerParser.validate(structuredClone(doc) as never);
    await SwaggerParser.validate(structuredClone(servedFrom(doc, "https://us-central1-p.cloudfunctions.net/auth")) as never);
  });

  it("one server: committed, a placeholder without template variables; served, the URL it was fetched from", () => {
    expect(generated().servers).to.deep.equal([
      {
        url: PLACEHOLDER_SERVER,
        description:
          "A placeholder: import the document your deployed function serves at <its URL>/openapi.json, which names that URL here",
      },
    ]);
    expect(PLACEHOLDER_SERVER).not.to.match(/[{}]/);
    const served = servedFrom(generated(), "https://us-central1-p.cloudfunctions.net/auth");
    expect(served.servers).to.deep.equal([
      { url: "https://us-central1-p.cloudfunctions.net/auth", description: "This API, as this document was fetched" },
    ]);
    expect(servedFrom(generated(), undefined).servers).to.deep.equal(generated().servers);
    expect(Object.keys(served)).to.deep.equal(Object.keys(generated())); // same key order: servers before paths
  });

  it("every string property of every request body has the example `<name>` (FlutterFlow's body variable); booleans and numbers a value", () => {
    let strings = 0;
    for (const { path, method, op } of operations()) {
      const properties = op.requestBody?.content["application/json"].schema.properties ?? {};
      for (const [name, property] of Object.entries(properties)) {
        const expected = property.type === "boolean" ? false : property.type === "integer" || property.type === "number" ? 1 : `<${name}>`;
        expect(property.example, `${method} ${path} ${name}`).to.equal(expected);
        if (property.type === "string") strings++;
      }
    }
    expect(strings).to.be.above(20);
    // No media-type example beside them (FlutterFlow does not read one; two sources would drift).
    for (const { path, method, op } of operations()) {
      if (op.requestBody !== undefined)
        expect(Object.keys(op.requestBody.content["application/json"]), `${method} ${path}`).to.deep.equal(["schema"]);
    }
  });

  it(`the bearer scheme is named "${BEARER_SCHEME}" (FlutterFlow's header variable [token]); every signed-in operation uses it, no other does`, () => {
    expect(BEARER_SCHEME).to.equal("token");
    const schemes = (generated().components as { securitySchemes: Record<string, unknown> }).securitySchemes;
    expect(Object.keys(schemes)).to.deep.equal(["token"]);
    for (const [pattern, methods] of Object.entries(ROUTES)) {
      for (const [method, route] of Object.entries(methods)) {
        const op = operations().find((o) => o.path === pattern.replace(/:([A-Za-z]+)/g, "{$1}") && o.method === method.toLowerCase())?.op;
        expect(op?.security, `${method} ${pattern}`).to.deep.equal(route?.auth === "none" ? undefined : [{ token: [] }]);
      }
    }
  });

  it("GET operations list no error only a body can cause (payload_too_large, invalid_json, unsupported_media_type); others do", () => {
    const bodyOnly = ["payload_too_large", "invalid_json", "unsupported_media_type"];
    for (const { path, method, op } of operations()) {
      const text = JSON.stringify(op.responses);
      for (const code of bodyOnly) expect(text.includes(`\`${code}\``), `${method} ${path} ${code}`).to.equal(method !== "get");
    }
  });

  it("query and path parameters come from the routes' schemas: GET /admin/users's limit, cursor and email_prefix; each {uid}", () => {
    const list = operations().find((o) => o.path === "/admin/users" && o.method === "get")?.op;
    expect(list?.parameters?.filter((p) => p.in !== "header")).to.deep.equal([
      {
        name: "limit",
        in: "query",
        required: false,
        description: "Users per page (default 50)",
        schema: { type: "integer", minimum: 1, maximum: 100 },
      },
      {
        name: "cursor",
        in: "query",
        required: false,
        description: "`$.next_cursor` of the previous page; absent or empty: the first page",
        schema: { type: "string", maxLength: 512 },
      },
      {
        name: "email_prefix",
        in: "query",
        required: false,
        description: "Only users whose email (as they typed it) starts with this; ordered by email then",
        schema: { type: "string", maxLength: 254 },
      },
    ]);
    for (const { path, method, op } of operations()) {
      const inPath = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === "path");
      expect(
        declared.map((p) => p.name),
        `${method} ${path}`,
      ).to.deep.equal(inPath);
      for (const p of declared) expect(p.required).to.equal(true);
    }
  });

  it("App Check: every operation but those fetched without an app (GET /openapi.json, the .well-known files) declares the optional X-Firebase-AppCheck header once, and its two 401 codes", () => {
    const withoutApp = ["/openapi.json", "/.well-known/assetlinks.json", "/.well-known/apple-app-site-association"];
    for (const { path, method, op } of operations()) {
      const headers = (op.parameters ?? []).filter((p) => p.in === "header");
      const expected = withoutApp.includes(path) ? [] : [{ name: "X-Firebase-AppCheck", required: false }];
      expect(
        headers.map((p) => ({ name: p.name, required: p.required })),
        `${method} ${path}`,
      ).to.deep.equal(expected);
      const described = JSON.stringify(op.responses?.["401"] ?? {});
      for (const code of ["app_check_required", "app_check_invalid"]) {
        expect(described.includes(code), `${method} ${path} ${code}`).to.equal(!withoutApp.includes(path));
      }
    }
  });

  it("every route's params schema names exactly the :segments of its pattern", () => {
    for (const [pattern, methods] of Object.entries(ROUTES)) {
      const segments = [...pattern.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]).sort();
      for (const [method, route] of Object.entries(methods)) {
        const shape = (route?.params as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
        expect(Object.keys(shape).sort(), `${method} ${pattern}`).to.deep.equal(segments);
      }
    }
  });

  it("lists every route and method of the table, each with a unique operationId, and every error code somewhere", () => {
    const doc = generated() as unknown as { paths: Record<string, Record<string, Operation>> };
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
