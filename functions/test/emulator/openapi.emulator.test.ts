import SwaggerParser from "@apidevtools/swagger-parser";
import { expect } from "chai";
import { API_URL, send } from "./helpers.js";

// The document FlutterFlow imports, fetched from the running function (the Functions emulator) as
// a builder saves it from their own: its one server is the URL it was fetched from, so the API
// Group FlutterFlow makes points at this function; every string property of every request body
// holds its `<name>` variable; the bearer scheme makes the header variable `[token]`.
type Schema = { type?: string; example?: unknown; properties?: Record<string, Schema> };
interface Served {
  servers: { url: string }[];
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> }; security?: unknown[] }>>;
}

describe("GET /openapi.json from the running function (emulators)", () => {
  let served: Served;
  before(async () => {
    const reply = await send("/openapi.json", { method: "GET" });
    expect(reply.status, reply.text).to.equal(200);
    served = reply.json as Served;
  });

  it("names the URL it was fetched from as its only server, without template variables", () => {
    expect(served.servers.map((server) => server.url)).to.deep.equal([API_URL]);
    expect(API_URL).to.match(/^http:\/\/127\.0\.0\.1:\d+\/[a-z0-9-]+\/[a-z0-9-]+\/auth$/);
    expect(served.servers.map((server) => server.url).join(" ")).not.to.match(/[{}]/);
  });

  it("is one the base URL works with: {server}/openapi.json answers the same document", async () => {
    const again = await fetch(`${served.servers[0]?.url}/openapi.json`);
    expect(await again.json()).to.deep.equal(served);
  });

  it("every string property of every request body has example `<name>`; the bearer scheme is `token`", () => {
    let checked = 0;
    for (const [path, item] of Object.entries(served.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const schema = op.requestBody?.content["application/json"]?.schema;
        for (const [name, property] of Object.entries(schema?.properties ?? {})) {
          if (property.type !== "string") continue;
          expect(property.example, `${method} ${path} ${name}`).to.equal(`<${name}>`);
          checked++;
        }
      }
    }
    expect(checked).to.be.above(20);
    expect(served.components.securitySchemes).to.deep.equal({
      token: { type: "http", scheme: "bearer", bearerFormat: "Firebase ID token (FlutterFlow: currentJwtToken)" },
    });
    expect(served.paths["/me"]?.get?.security).to.deep.equal([{ token: [] }]);
  });

  it("is valid OpenAPI 3.0 (swagger-parser)", async () => {
    await SwaggerParser.validate(structuredClone(served) as never);
  });

  it("a request without a usable Host (an IPv6 literal) gets the placeholder server, not an error", async () => {
    // fetch sets Host from the URL; a raw request with an odd Host shows the fallback.
    const { request } = await import("node:http");
    const url = new URL(`${API_URL}/openapi.json`);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { Host: "[::1]:5001" } }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.end();
    });
    expect((JSON.parse(body) as Served).servers[0]?.url).to.equal("https://REGION-PROJECT.cloudfunctions.net/auth");
  });
});
