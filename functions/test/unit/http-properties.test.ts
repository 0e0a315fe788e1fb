import { expect } from "chai";
import fc from "fast-check";
import { FakeResponse, fakeRequest } from "./http-fakes.js";

// Property: whatever JSON value, content type, method or path arrives, the exported function
// answers a 4xx JSON error with a stable code - never a 5xx, never a stack trace. Only bodies
// refused before the use case are generated (two valid strings for email and password would
// reach Firestore, which unit tests do not have; the emulator tests cover those).
const CODES = [
  "invalid_request",
  "invalid_json",
  "weak_password",
  "not_found",
  "method_not_allowed",
  "payload_too_large",
  "unsupported_media_type",
];

type Handler = (req: unknown, res: unknown) => Promise<void>;

describe("HTTP adapter properties (fast-check)", () => {
  let auth: Handler;
  before(async () => {
    const mod = await import("../../src/index.js");
    auth = mod.auth as unknown as Handler;
  });

  const reachesUseCase = (value: unknown): boolean =>
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).every((k) => k === "email" || k === "password" || k === "name") &&
    typeof (value as Record<string, unknown>).email === "string" &&
    typeof (value as Record<string, unknown>).password === "string";

  it("random JSON values, paths, methods and content types -> a 4xx JSON error", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom("email", "password", "name", "__proto__", "role_id"), fc.jsonValue())),
        fc.constantFrom("/signup", "/login", "/signup/", "/", "/x", "/login/../signup"),
        fc.constantFrom("POST", "GET", "PUT", "DELETE"),
        fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", ""),
        async (body, path, method, contentType) => {
          fc.pre(!reachesUseCase(body) || !contentType.startsWith("application/json") || method !== "POST");
          const res = new FakeResponse();
          const bytes = Buffer.from(JSON.stringify(body) ?? "");
          await auth(fakeRequest({ method, path, headers: { "content-type": contentType }, raw: { bytes, parsed: body } }), res);
          expect(res.statusCode).to.be.within(400, 499);
          const parsed = res.json() as { error: { code: string } };
          expect(CODES).to.include(parsed.error.code);
          expect(res.text).to.not.match(/\bat .+:\d+:\d+/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("random Unicode strings as email and password of a login with a bad email -> 400, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary" }), fc.string({ unit: "binary", maxLength: 200 }), async (local, password) => {
        const email = `${local}\u212A@`; // never a valid address: refused before any lookup
        const res = new FakeResponse();
        await auth(fakeRequest({ path: "/login", json: { email, password } }), res);
        expect(res.statusCode).to.equal(400);
        expect((res.json() as { error: { code: string } }).error.code).to.equal("invalid_request");
      }),
      { numRuns: 300 },
    );
  });
});
