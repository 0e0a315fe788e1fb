import type { IncomingMessage, ServerResponse } from "node:http";
import { expect } from "chai";
import { capBodyParsers } from "../../src/http/body-cap.js";

// The wrapping of body-parser's factories, on a stand-in module cache (the real framework is
// driven in edge.emulator.test.ts). Each stand-in factory records the options it was built with
// and whether its parser ran.
function standIn() {
  const built: Record<string, unknown>[] = [];
  const parsed: string[] = [];
  const factory =
    (name: string) =>
    (options: Record<string, unknown> = {}) => {
      built.push({ name, ...options });
      return (_req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void) => {
        parsed.push(name);
        next();
      };
    };
  const exports = { json: factory("json"), text: factory("text"), urlencoded: factory("urlencoded"), raw: factory("raw") };
  const cache = { "/srv/node_modules/body-parser/index.js": { exports } as unknown as NodeModule };
  return { exports, cache, built, parsed };
}

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const run = (parser: (req: IncomingMessage, res: ServerResponse, next: () => void) => void, req: IncomingMessage) =>
  new Promise<void>((resolve) => parser(req, {} as ServerResponse, resolve));

describe("body cap: the Functions Framework's body parsers limited to the API's 8 KiB", () => {
  it("every factory builds its parser with the cap as its limit, whatever limit the framework asks", () => {
    const { exports, cache, built } = standIn();
    expect(capBodyParsers(8192, cache)).to.equal(1);
    exports.json({ limit: "1024mb", type: "application/cloudevents+json" });
    exports.raw({ limit: "1024mb", type: "*/*" });
    exports.text();
    exports.urlencoded({ extended: true });
    expect(built.map((b) => [b.name, b.limit])).to.deep.equal([
      ["json", 8192],
      ["raw", 8192],
      ["text", 8192],
      ["urlencoded", 8192],
    ]);
    expect(built[0]).to.include({ type: "application/cloudevents+json" });
  });

  it("a declared length over the cap is never read (the handler answers 413 from the header); at the cap, or undeclared, it is parsed", async () => {
    const { exports, cache, parsed } = standIn();
    capBodyParsers(8192, cache);
    const json = exports.json();
    await run(json, request({ "content-length": String(30 * 1024 * 1024) }));
    await run(json, request({ "content-length": "8193" }));
    expect(parsed).to.deep.equal([]);
    await run(json, request({ "content-length": "8192" }));
    await run(json, request({ "transfer-encoding": "chunked" })); // body-parser stops it at the limit itself
    expect(parsed).to.deep.equal(["json", "json"]);
  });

  it("wraps once, however often called; finds nothing where body-parser is not loaded (the caller logs it)", () => {
    const { exports, cache, built } = standIn();
    capBodyParsers(8192, cache);
    capBodyParsers(100, cache);
    exports.text();
    expect(built.map((b) => b.limit)).to.deep.equal([8192]);
    expect(capBodyParsers(8192, { "/srv/node_modules/express/index.js": { exports: {} } as unknown as NodeModule })).to.equal(0);
    expect(capBodyParsers(8192, {})).to.equal(0);
  });
});
