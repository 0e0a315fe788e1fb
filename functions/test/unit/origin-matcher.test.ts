import { expect } from "chai";
import { originMatcher } from "../../src/http/cors.js";

// Which browser origins get CORS headers, as a table: the defaults (FlutterFlow's editor, its
// hosted web apps, local runs) and the look-alikes an attacker would register.
const DEFAULTS = ["https://app.flutterflow.io", "https://*.flutterflow.app", "http://localhost:*", "http://127.0.0.1:*"];

const TABLE: readonly (readonly [origin: string, allowed: boolean])[] = [
  ["https://app.flutterflow.io", true],
  ["HTTPS://APP.FLUTTERFLOW.IO", true], // scheme and host compare case-insensitively
  ["https://my-app.flutterflow.app", true],
  ["https://preview.my-app.flutterflow.app", true], // nested subdomains
  ["http://localhost:3000", true],
  ["http://127.0.0.1:52814", true],
  ["http://app.flutterflow.io", false], // http, not https
  ["https://app.flutterflow.io:8443", false], // another port
  ["https://app.flutterflow.io.evil.com", false], // suffix attack
  ["https://evilapp.flutterflow.io", false],
  ["https://flutterflow.app", false], // the wildcard needs a subdomain
  ["https://evil.com/.flutterflow.app", false], // no path can hide in the wildcard
  ["https://my-app.flutterflow.app.evil.com", false],
  ["https://my_app.flutterflow.app", false], // not a host name character
  ["http://localhost", false], // the wildcard port needs a port
  ["http://localhost:3000.evil.com", false],
  ["http://localhost:abc", false],
  ["https://localhost:3000", false], // the pattern says http
  ["http://127.0.0.2:3000", false],
  ["null", false], // sandboxed frames and file:// pages
  ["", false],
];

describe("CORS origin matching (table)", () => {
  const allowed = originMatcher(DEFAULTS);
  for (const [origin, expected] of TABLE) {
    it(`${JSON.stringify(origin)} -> ${expected ? "allowed" : "refused"}`, () => {
      expect(allowed(origin)).to.equal(expected);
    });
  }

  it('"*" allows every origin; an empty list none', () => {
    expect(originMatcher(["*"])("https://anything.example")).to.equal(true);
    expect(originMatcher([])("https://app.flutterflow.io")).to.equal(false);
  });

  it("regular-expression characters in a pattern are literal", () => {
    const exact = originMatcher(["https://a.b+c.example"]);
    expect(exact("https://a.b+c.example")).to.equal(true);
    expect(exact("https://aXb+c.example")).to.equal(false);
    expect(exact("https://a.bbc.example")).to.equal(false);
  });
});
