import { expect } from "chai";
import { corsStep, originMatcher } from "../../src/http/cors.js";
import type { HttpRequest, HttpResponse } from "../../src/http/types.js";

// The CORS step on its own: what an allowed and a refused origin get, for preflights and actual
// requests, and that every preflight is answered exactly once (a refused one must still be ended,
// or the request would hang until the platform's timeout).

class Response implements HttpResponse {
  statusCode = 200;
  readonly headers = new Map<string, string>();
  ends = 0;
  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : String(value));
    return this;
  }
  getHeader(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }
  end(): this {
    this.ends++;
    return this;
  }
}

const PATTERNS = ["https://app.flutterflow.io", "https://*.flutterflow.app"];

async function run(method: string, origin: string | undefined, patterns: readonly string[] = PATTERNS) {
  const headers: Record<string, string> = {
    ...(origin === undefined ? {} : { origin }),
    ...(method === "OPTIONS" ? { "access-control-request-method": "POST", "access-control-request-headers": "content-type" } : {}),
  };
  const req = { method, path: "/login", headers } as HttpRequest;
  const res = new Response();
  const outcome = await corsStep(patterns)(req, res);
  return { outcome, res, headers: Object.fromEntries(res.headers) };
}

describe("pinned: the CORS step", () => {
  it("an allowed origin's preflight: 204 with the origin echoed, the methods, headers and max age; ended once", async () => {
    const { outcome, res, headers } = await run("OPTIONS", "https://my-app.flutterflow.app");
    expect(outcome).to.equal("handled");
    expect(res.statusCode).to.equal(204);
    expect(res.ends).to.equal(1);
    expect(headers).to.deep.equal({
      "access-control-allow-origin": "https://my-app.flutterflow.app",
      vary: "Origin",
      "access-control-allow-methods": "GET,POST,PATCH,DELETE",
      "access-control-allow-headers": "Content-Type,Authorization,X-Firebase-AppCheck",
      "access-control-max-age": "600",
      "content-length": "0",
    });
  });

  it("a refused origin's preflight is still answered: 204, empty, no CORS headers, ended once", async () => {
    const { outcome, res, headers } = await run("OPTIONS", "https://evil.example");
    expect(outcome).to.equal("handled");
    expect(res.statusCode).to.equal(204);
    expect(res.ends).to.equal(1);
    expect(headers).to.deep.equal({ "content-length": "0" });
  });

  it("a preflight without any Origin is answered the same way", async () => {
    const { outcome, res, headers } = await run("OPTIONS", undefined);
    expect([outcome, res.statusCode, res.ends]).to.deep.equal(["handled", 204, 1]);
    expect(headers).to.deep.equal({ "content-length": "0" });
  });

  it("an actual request from an allowed origin continues with the origin echoed; nothing is ended", async () => {
    for (const method of ["POST", "GET", "PATCH", "DELETE"]) {
      const { outcome, res, headers } = await run(method, "https://app.flutterflow.io");
      expect(outcome).to.equal("continue");
      expect(res.ends).to.equal(0);
      expect(res.statusCode).to.equal(200);
      expect(headers).to.deep.equal({ "access-control-allow-origin": "https://app.flutterflow.io", vary: "Origin" });
    }
  });

  it("an actual request from a refused origin, or with no Origin (mobile apps), continues without CORS headers", async () => {
    for (const origin of ["https://evil.example", undefined]) {
      const { outcome, res, headers } = await run("POST", origin);
      expect([outcome, res.ends, res.statusCode]).to.deep.equal(["continue", 0, 200]);
      expect(headers).to.deep.equal({});
    }
    // Even where every origin is allowed, a request without one gets no CORS headers at all.
    const anyOrigin = await run("POST", undefined, ["*"]);
    expect([anyOrigin.outcome, anyOrigin.headers]).to.deep.equal(["continue", {}]);
    const star = await run("POST", "https://anything.example", ["*"]);
    expect(star.headers["access-control-allow-origin"]).to.equal("https://anything.example");
  });

  it("a `:*` that does not end a pattern is the host wildcard, not a port", () => {
    const odd = originMatcher(["https://a:*b"]);
    expect(odd("https://a:xb")).to.equal(true);
    expect(odd("https://a:1b")).to.equal(true);
    expect(originMatcher(["http://localhost:*"])("http://localhost:65535")).to.equal(true);
    expect(originMatcher(["http://localhost:*"])("http://localhost:123456")).to.equal(false);
  });
});
