import { expect } from "chai";
import firebaseFunctionsTest from "firebase-functions-test";
import type { Deps } from "../../src/domain/deps.js";
import { AppError, unavailable } from "../../src/errors.js";
import { corsStep } from "../../src/http/cors.js";
import { createHandler, type RouteTable } from "../../src/http/handler.js";
import { route } from "../../src/http/route.js";
import { DeleteAccountBody, DisableBody, ListUsersQuery, LoginBody, NoBody, UidParams } from "../../src/http/schemas.js";
import { world } from "./fakes.js";
import { type FakeRequestInit, FakeResponse, fakeRequest } from "./http-fakes.js";

const TEST_DOC = { name: "test", summary: "a route of this test", answers: {}, errors: [] } as const;

// Offline mode: no project, no credentials; the exported function is driven directly with a
// framework-shaped request. Nothing here reaches Firestore or Auth: every case is refused
// before the use case runs, which is what these tests prove.
const fft = firebaseFunctionsTest();
after(() => fft.cleanup());

type Handler = (req: never, res: never) => unknown;

async function call(handler: Handler, init: FakeRequestInit): Promise<FakeResponse> {
  const res = new FakeResponse();
  // The real function takes Express objects; the fakes carry every member it touches.
  await (handler as (req: unknown, res: unknown) => Promise<void>)(fakeRequest(init), res);
  return res;
}

function expectError(res: FakeResponse, status: number, code: string, field?: string): void {
  expect(res.statusCode, res.text).to.equal(status);
  expect(res.getHeader("content-type")).to.equal("application/json; charset=utf-8");
  expect(res.getHeader("cache-control")).to.equal("no-store");
  const body = res.json() as { error: { code: string; message: string; field?: string } };
  expect(body.error.code).to.equal(code);
  expect(body.error.message).to.be.a("string").and.not.empty;
  if (field !== undefined) expect(body.error.field).to.equal(field);
  expect(res.text).to.not.match(/\bat .*\.(js|ts):\d+/); // no stack trace
}

describe("HTTP adapter: the exported `auth` function, refusing bad requests", () => {
  let auth: Handler;
  before(async () => {
    ({ auth } = await import("../../src/index.js"));
  });

  it("unknown route -> 404 not_found", async () => {
    expectError(await call(auth, { path: "/nope", json: {} }), 404, "not_found");
    expectError(await call(auth, { path: "/__proto__", json: {} }), 404, "not_found");
    expectError(await call(auth, { path: "/constructor", json: {} }), 404, "not_found");
  });

  it("wrong method -> 405 method_not_allowed with Allow", async () => {
    for (const method of ["GET", "PUT", "DELETE", "PATCH", "HEAD"]) {
      const res = await call(auth, { method, path: "/login" });
      expectError(res, 405, "method_not_allowed");
      expect(res.getHeader("allow")).to.equal("POST, OPTIONS");
    }
  });

  it("text/plain, form-encoded or missing content type -> 415", async () => {
    const body = { email: "a@example.com", password: "x" };
    const cases: FakeRequestInit[] = [
      { path: "/login", headers: { "content-type": "text/plain" }, raw: { bytes: Buffer.from("hi"), parsed: "hi" } },
      {
        path: "/signup",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        raw: { bytes: Buffer.from("email[$ne]=x"), parsed: { email: { $ne: "x" } } },
      },
      { path: "/login", headers: { "content-type": "" }, raw: { bytes: Buffer.from(JSON.stringify(body)), parsed: body } },
    ];
    for (const init of cases) expectError(await call(auth, init), 415, "unsupported_media_type");
  });

  it("DELETE with no body at all is an empty object (FlutterFlow sends none); one with a body is held to JSON like any other", async () => {
    // DELETE /me's body needs a password: an empty object is refused by the schema, naming it (not 415).
    expectError(await call(auth, { method: "DELETE", path: "/me" }), 400, "invalid_request", "password");
    expectError(
      await call(auth, {
        method: "DELETE",
        path: "/me",
        headers: { "content-type": "text/plain" },
        raw: { bytes: Buffer.from("hi"), parsed: "hi" },
      }),
      415,
      "unsupported_media_type",
    );
    // A POST with no body is still refused for its missing content type.
    expectError(await call(auth, { path: "/sessions/revoke-others" }), 415, "unsupported_media_type");
  });

  it("a body over 8 KiB -> 413, whatever it contains", async () => {
    const json = { email: "a@example.com", password: "x".repeat(9000) };
    expectError(await call(auth, { path: "/signup", json }), 413, "payload_too_large");
  });

  it("JSON that is not an object -> 400 invalid_json", async () => {
    for (const parsed of [[], ["a"], "text"]) {
      const bytes = Buffer.from(JSON.stringify(parsed));
      expectError(
        await call(auth, { path: "/login", headers: { "content-type": "application/json" }, raw: { bytes, parsed } }),
        400,
        "invalid_json",
      );
    }
  });

  it("missing, empty-typed and non-string fields -> 400 invalid_request naming the field", async () => {
    expectError(await call(auth, { path: "/login", json: {} }), 400, "invalid_request", "email");
    expectError(await call(auth, { path: "/login", json: { email: "a@example.com" } }), 400, "invalid_request", "password");
    for (const value of [123, true, null, {}, ["a"]]) {
      expectError(await call(auth, { path: "/login", json: { email: value, password: "x" } }), 400, "invalid_request", "email");
      expectError(
        await call(auth, { path: "/signup", json: { email: "a@example.com", password: "correct horse", name: value } }),
        400,
        "invalid_request",
        "name",
      );
    }
    expectError(await call(auth, { path: "/login", json: { email: "null", password: "x" } }), 400, "invalid_request", "email");
  });

  it("unknown fields (uid, role, role_id, __proto__, constructor) -> 400, never honoured", async () => {
    for (const key of ["uid", "role", "role_id", "Email", "constructor"]) {
      const json = { email: "a@example.com", password: "correct horse battery", [key]: "x" };
      expectError(await call(auth, { path: "/signup", json }), 400, "invalid_request", key);
    }
    const polluted = JSON.parse('{"email":"a@example.com","password":"x","__proto__":{"role_id":99}}') as unknown;
    const bytes = Buffer.from(JSON.stringify(polluted));
    const res = await call(auth, { path: "/login", headers: { "content-type": "application/json" }, raw: { bytes, parsed: polluted } });
    expectError(res, 400, "invalid_request", "__proto__");
    expect(({} as Record<string, unknown>).role_id).to.equal(undefined);
  });

  it("CORS: an allowed origin's preflight -> 204 echoing it; another origin -> 204 without CORS headers", async () => {
    const preflight = (origin: string) => ({
      method: "OPTIONS",
      path: "/login",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    const ok = await call(auth, preflight("https://app.flutterflow.io"));
    expect(ok.statusCode).to.equal(204);
    expect(ok.getHeader("access-control-allow-origin")).to.equal("https://app.flutterflow.io");
    expect(ok.getHeader("access-control-allow-headers")).to.equal("Content-Type,Authorization,X-Firebase-AppCheck");
    const sub = await call(auth, preflight("https://my-app.flutterflow.app"));
    expect(sub.getHeader("access-control-allow-origin")).to.equal("https://my-app.flutterflow.app");

    for (const origin of ["https://evil.example", "https://flutterflow.app.evil.example", "http://app.flutterflow.io"]) {
      const no = await call(auth, preflight(origin));
      expect(no.statusCode, origin).to.equal(204);
      expect(no.getHeader("access-control-allow-origin"), origin).to.equal(undefined);
    }
  });

  it("CORS: actual requests from allowed origins carry the header, errors included", async () => {
    const res = await call(auth, { path: "/nope", json: {}, headers: { origin: "http://localhost:5173" } });
    expectError(res, 404, "not_found");
    expect(res.getHeader("access-control-allow-origin")).to.equal("http://localhost:5173");
  });
});

describe("HTTP adapter: failures inside a route", () => {
  const { deps } = world();
  const handlerFor = (run: () => Promise<never>) =>
    createHandler({ "/x": { POST: route({ doc: TEST_DOC, auth: "none", body: NoBody, run }) } }, corsStep([]), async () => deps);

  it("an unexpected error -> 500 internal with a generic message; the cause is not sent", async () => {
    const secret = "hash $argon2id$v=19$m=19456,t=2,p=1$c2FsdA$ZGlnZXN0 and token abc.def.ghi";
    const res = await call(
      handlerFor(() => Promise.reject(new Error(secret))),
      { path: "/x", json: {} },
    );
    expectError(res, 500, "internal");
    expect(res.text).to.not.include("argon2id").and.not.include("abc.def");
  });

  it("a transient store failure -> 503 unavailable with Retry-After", async () => {
    const res = await call(
      handlerFor(() => Promise.reject(unavailable(new Error("UNAVAILABLE")))),
      { path: "/x", json: {} },
    );
    expectError(res, 503, "unavailable");
    expect(res.getHeader("retry-after")).to.equal("1");
  });

  it("an AppError keeps its status, code and field", async () => {
    const res = await call(
      handlerFor(() => Promise.reject(new AppError("email_exists", "taken", { field: "email" }))),
      {
        path: "/x/",
        json: {},
      },
    );
    expectError(res, 409, "email_exists", "email");
  });
});

describe("HTTP adapter: the route table's auth kinds and checks, in order", () => {
  const { deps } = world(); // FakeIdTokens: "id-token-for-<uid>" is a caller without claims
  const adminDeps = {
    ...deps,
    idTokens: { verify: async (token: string) => ({ uid: "boss", claims: { role_id: token === "admin" ? 9 : 1 } }) },
  };
  let started = 0;
  const seen: unknown[] = [];
  const reply = async (request: { caller: unknown; body: unknown }) => {
    seen.push(request);
    return { status: 200, body: { ok: true } };
  };
  const table: RouteTable = {
    "/open": { POST: route({ doc: TEST_DOC, auth: "none", body: LoginBody, run: reply }) },
    "/token": { POST: route({ doc: TEST_DOC, auth: "token", body: DeleteAccountBody, run: reply }) },
    "/admin": { POST: route({ doc: TEST_DOC, auth: "admin", body: DisableBody, run: reply }) },
    "/list": { GET: route({ doc: TEST_DOC, auth: "none", body: NoBody, query: ListUsersQuery, run: reply }) },
    "/users/:uid": { POST: route({ doc: TEST_DOC, auth: "none", body: NoBody, params: UidParams, run: reply }) },
  };
  const handler = (d: Deps) =>
    createHandler(table, corsStep([]), async () => {
      started++;
      return d;
    });
  beforeEach(() => {
    started = 0;
    seen.length = 0;
  });

  it("a body the schema refuses is a 400 before anything else: no SDK started, no caller checked", async () => {
    expectError(await call(handler(deps), { path: "/token", json: { nope: 1 } }), 400, "invalid_request");
    expect(started).to.equal(0);
    expect(seen).to.have.length(0);
  });

  it("token: no or a bad Authorization header is the one kind of 401, with WWW-Authenticate; the route never runs", async () => {
    for (const authorization of [undefined, "Basic abc", "Bearer not-a-token"]) {
      const res = await call(handler(deps), {
        path: "/token",
        json: { password: "x" },
        headers: authorization === undefined ? {} : { authorization },
      });
      expectError(res, 401, "unauthenticated");
      expect(res.getHeader("www-authenticate")).to.match(/^Bearer/);
    }
    expect(seen).to.have.length(0);
  });

  it("token: the route function gets the checked body and the caller", async () => {
    const res = await call(handler(deps), {
      path: "/token",
      json: { password: "x" },
      headers: { authorization: "Bearer id-token-for-u1" },
    });
    expect(res.statusCode).to.equal(200);
    expect(seen).to.deep.equal([
      {
        body: { password: "x" },
        query: {},
        params: {},
        caller: { uid: "u1", claims: {} },
        clientNetwork: "unknown",
        language: "en",
        baseUrl: undefined,
        userAgent: undefined,
      },
    ]);
  });

  it("admin: a signed-in caller without the admin claim is 403 forbidden; with it the route runs", async () => {
    const asUser = await call(handler(adminDeps), { path: "/admin", json: { disabled: true }, headers: { authorization: "Bearer user" } });
    expectError(asUser, 403, "forbidden");
    expect(seen).to.have.length(0);
    const asAdmin = await call(handler(adminDeps), {
      path: "/admin",
      json: { disabled: true },
      headers: { authorization: "Bearer admin" },
    });
    expect(asAdmin.statusCode).to.equal(200);
    expect(seen).to.have.length(1);
  });

  it("none: no caller, whatever Authorization says", async () => {
    await call(handler(deps), {
      path: "/open",
      json: { email: "a@example.com", password: "x" },
      headers: { authorization: "Bearer id-token-for-u1", "accept-language": "de-CH, en;q=0.5" },
    });
    expect(seen).to.deep.equal([
      {
        body: { email: "a@example.com", password: "x" },
        query: {},
        params: {},
        caller: undefined,
        clientNetwork: "unknown",
        language: "de",
        baseUrl: undefined,
        userAgent: undefined,
      },
    ]);
  });

  it("query: parsed by the route's schema (digits to a number); an empty value is absent (FlutterFlow's unbound variable)", async () => {
    const get = (query: string) => call(handler(deps), { method: "GET", path: "/list", query });
    expect((await get("limit=25&cursor=abc&email_prefix=al%2B")).statusCode).to.equal(200);
    expect((await get("limit=&cursor=&email_prefix=")).statusCode).to.equal(200);
    expect((await get("")).statusCode).to.equal(200);
    const queries = seen.map((request) => (request as { query: unknown }).query);
    expect(queries).to.deep.equal([{ limit: 25, cursor: "abc", email_prefix: "al+" }, {}, {}]);
  });

  it("query: out of range, not digits, sent twice or unknown -> 400 naming the parameter, before any SDK", async () => {
    const get = (query: string) => call(handler(deps), { method: "GET", path: "/list", query });
    for (const bad of ["limit=0", "limit=101", "limit=-1", "limit=1e2", "limit=%205", "limit=abc", "limit=99999999999"]) {
      const res = await get(bad);
      expectError(res, 400, "invalid_request", "limit");
      expect((res.json() as { error: { message: string } }).error.message, bad).to.equal(
        'The parameter "limit" must be a whole number from 1 to 100.',
      );
    }
    const twice = await get("cursor=a&cursor=b");
    expectError(twice, 400, "invalid_request", "cursor");
    expect((twice.json() as { error: { message: string } }).error.message).to.equal('The parameter "cursor" must appear once.');
    for (const unknown of ["page=2", "__proto__=1", "constructor=x"]) {
      const res = await get(unknown);
      expectError(res, 400, "invalid_request", unknown.split("=")[0]);
      expect((res.json() as { error: { message: string } }).error.message).to.match(/^Unknown parameter "/);
    }
    expect(started).to.equal(0);
    expect((await get("cursor=&cursor=b")).statusCode, "an empty repeat is absent").to.equal(200);
  });

  it("a route that declares no query ignores the query string; path values come through the route's params schema", async () => {
    const res = await call(handler(deps), { path: "/open", query: "x=1&x=2", json: { email: "a@example.com", password: "x" } });
    expect(res.statusCode).to.equal(200);
    expect((seen[0] as { query: unknown }).query).to.deep.equal({});
    await call(handler(deps), { path: "/users/Ab_9-z", json: {} });
    expect((seen[1] as { params: unknown }).params).to.deep.equal({ uid: "Ab_9-z" });
    expectError(await call(handler(deps), { path: "/users/a.b", json: {} }), 404, "not_found");
  });

  it("the base URL the request reached (Host, X-Forwarded-Proto) reaches the route", async () => {
    await call(handler(deps), {
      path: "/open",
      json: { email: "a@example.com", password: "x" },
      headers: { host: "auth-abc-uc.a.run.app", "x-forwarded-proto": "https" },
    });
    expect((seen[0] as { baseUrl: unknown }).baseUrl).to.equal("https://auth-abc-uc.a.run.app");
  });
});
