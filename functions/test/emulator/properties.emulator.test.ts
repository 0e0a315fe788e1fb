import { expect } from "chai";
import fc from "fast-check";
import { send, snapshot } from "./helpers.js";

// Property-based: random JSON values, random strings (Unicode edge cases included), random
// content types, methods and Authorization headers at every endpoint of the running stack.
// Never a 5xx, never a stack trace, always our JSON error shape, and a refused request writes
// nothing (a wrong password may only count itself in auth_throttle).
const PATHS = [
  "/signup",
  "/login",
  "/refresh",
  "/logout",
  "/me",
  "/password/change",
  "/password/reset/request",
  "/password/reset/confirm",
  "/email/verify/request",
  "/email/verify/confirm",
  "/account/delete",
  "/admin/users/AAAAAAAAAAAAAAAAAAAA/role",
  "/admin/users/AAAAAAAAAAAAAAAAAAAA/disable",
  "/nope",
];
const FIELDS = [
  "email",
  "password",
  "name",
  "refresh_token",
  "all_devices",
  "current_password",
  "new_password",
  "code",
  "photo_url",
  "role_id",
  "disabled",
  "__proto__",
];
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("null", "", " ", "\u0000", "\uD800", "a@b.co"),
);
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(text, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 4 }),
);

describe("random requests at every endpoint (fast-check, emulators)", () => {
  it("never a 5xx or a stack trace; refused requests write nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.constantFrom("POST", "GET", "PATCH", "DELETE", "PUT"),
        fc.constantFrom(
          "application/json",
          "application/json; charset=utf-8",
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data",
        ),
        body,
        fc.option(fc.oneof(text, fc.constant("Bearer a.b.c")), { nil: undefined }),
        async (path, method, contentType, value, authorization) => {
          const before = await snapshot(["auth_throttle"]);
          const headers: Record<string, string> = { "Content-Type": contentType };
          if (authorization !== undefined && /^[\x20-\x7e]*$/.test(authorization)) headers.Authorization = authorization;
          const init: RequestInit = { method, headers };
          if (method !== "GET") init.body = JSON.stringify(value);
          const reply = await send(path, init);
          expect(reply.status, `${method} ${path} ${reply.text}`).to.be.below(500);
          expect(reply.text).to.not.match(/\bat .+:\d+:\d+|node_modules/);
          if (reply.status >= 400) {
            // The one answer that is not ours: the Functions Framework's own 400 for JSON whose top
            // level is neither an object nor an array (docs/api.md, "Errors"). Anything else is our JSON.
            const frameworkRejects =
              contentType.startsWith("application/json") && method !== "GET" && (typeof value !== "object" || value === null);
            if (frameworkRejects && reply.json === undefined) expect(reply.status).to.equal(400);
            else expect(reply.json, reply.text).to.have.nested.property("error.code").that.is.a("string");
            expect(await snapshot(["auth_throttle"]), `${method} ${path} wrote something`).to.deep.equal(before);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
