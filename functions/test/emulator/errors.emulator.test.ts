import { expect } from "chai";
import { credentialOf, post, type Reply, send, snapshot, uniqueEmail } from "./helpers.js";

const password = "correct horse battery staple";

interface ErrorBody {
  error: { code: string; message: string; field?: string; reason?: string };
}

function expectError(reply: Reply, status: number, code: string, extra: Partial<ErrorBody["error"]> = {}): void {
  expect(reply.status, reply.text).to.equal(status);
  expect(reply.headers.get("content-type")).to.equal("application/json; charset=utf-8");
  expect(reply.headers.get("cache-control")).to.equal("no-store");
  const body = reply.json as ErrorBody;
  expect(Object.keys(body)).to.deep.equal(["error"]);
  expect(body.error.code).to.equal(code);
  expect(body.error.message).to.be.a("string").and.not.empty;
  expect(body.error).to.include(extra);
  expect(reply.text).to.not.match(/at .+:\d+:\d+/);
}

/**
 * Runs `request` and checks that it wrote nothing anywhere (Firestore and Auth), except in
 * the collections named (a failed login counts itself in `auth_throttle`).
 */
async function nothingWritten(request: () => Promise<Reply>, except: readonly string[] = []): Promise<Reply> {
  const before = await snapshot(except);
  const reply = await request();
  expect(await snapshot(except), `state changed by a refused request: ${reply.text}`).to.deep.equal(before);
  return reply;
}

describe("every refused request -> a JSON error with a stable code, nothing written (emulators)", () => {
  let existing: string;
  before(async () => {
    existing = uniqueEmail("existing");
    expect((await post("/signup", { email: existing, password, name: "Existing" })).status).to.equal(201);
  });

  it("unknown route -> 404 not_found", async () => {
    expectError(await nothingWritten(() => post("/users", { email: existing, password })), 404, "not_found");
  });

  it("GET /signup -> 405 with Allow: POST, OPTIONS", async () => {
    const reply = await nothingWritten(() => send("/signup", { method: "GET" }));
    expectError(reply, 405, "method_not_allowed");
    expect(reply.headers.get("allow")).to.equal("POST, OPTIONS");
  });

  it("text/plain, form-encoded, missing content type -> 415", async () => {
    const json = JSON.stringify({ email: uniqueEmail(), password });
    const cases: RequestInit[] = [
      { method: "POST", headers: { "Content-Type": "text/plain" }, body: json },
      { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "email[$ne]=x&password=y" },
      { method: "POST", body: new Blob([json]) },
    ];
    for (const init of cases) expectError(await nothingWritten(() => send("/signup", init)), 415, "unsupported_media_type");
  });

  it("a 9 KB and a 10 MB JSON body -> 413 payload_too_large, no crash", async () => {
    for (const size of [9 * 1024, 10 * 1024 * 1024]) {
      const reply = await nothingWritten(() => post("/signup", { email: uniqueEmail(), password: "x".repeat(size) }));
      expectError(reply, 413, "payload_too_large");
    }
    expect((await post("/login", { email: existing, password })).status).to.equal(200);
  });

  it("top-level [] -> 400 invalid_json", async () => {
    expectError(await nothingWritten(() => post("/login", "[]")), 400, "invalid_json");
  });

  it("truncated JSON and top-level null / 1 -> 400 from the Functions Framework itself (not our JSON), no stack trace", async () => {
    // Documented limitation (docs/api.md, Errors): the framework parses JSON before the function runs.
    for (const raw of ['{"email": "a@example.com", "password":', "null", "1"]) {
      const reply = await nothingWritten(() => post("/login", raw));
      expect(reply.status, raw).to.equal(400);
      expect(reply.text).to.not.match(/SyntaxError|at .+:\d+:\d+|node_modules/);
    }
  });

  it('missing fields, empty strings, non-strings and the literal "null" -> 400 invalid_request naming the field', async () => {
    expectError(await nothingWritten(() => post("/signup", { password })), 400, "invalid_request", { field: "email" });
    expectError(await nothingWritten(() => post("/signup", { email: uniqueEmail() })), 400, "invalid_request", { field: "password" });
    expectError(await nothingWritten(() => post("/signup", { email: "", password })), 400, "invalid_request", { field: "email" });
    expectError(await nothingWritten(() => post("/signup", { email: "null", password })), 400, "invalid_request", { field: "email" });
    expectError(await nothingWritten(() => post("/signup", { email: uniqueEmail(), password, name: "null" })), 400, "invalid_request", {
      field: "name",
    });
    for (const value of [123, true, null, {}, ["a"]]) {
      expectError(await nothingWritten(() => post("/signup", { email: value, password })), 400, "invalid_request", { field: "email" });
      expectError(await nothingWritten(() => post("/login", { email: existing, password: value })), 400, "invalid_request", {
        field: "password",
      });
    }
  });

  it("unknown fields (uid, role, role_id, __proto__) -> 400, never honoured", async () => {
    for (const key of ["uid", "role", "role_id"]) {
      const reply = await nothingWritten(() => post("/signup", { email: uniqueEmail(), password, [key]: key === "role_id" ? 0 : "admin" }));
      expectError(reply, 400, "invalid_request", { field: key });
    }
    const raw = `{"email":"${uniqueEmail()}","password":"${password}","__proto__":{"role_id":0}}`;
    expectError(await nothingWritten(() => post("/signup", raw)), 400, "invalid_request", { field: "__proto__" });
  });

  it("bad emails (too long, CR/LF, NUL, markup, path characters, look-alike Unicode) -> 400, no stray document", async () => {
    const bad = [
      `${"a".repeat(65)}@example.com`,
      `a@${"b".repeat(250)}.com`,
      "ada@example.com\r\nBcc: x@example.com",
      "ada\u0000@example.com",
      "<script>alert(1)</script>@example.com",
      "a/b@example.com",
      "..@example.com",
      existing.replace("e", "\u212A"), // Kelvin sign
      existing.replace("i", "\u0131"), // dotless i
      "ａda@example.com", // full-width
    ];
    for (const email of bad) {
      expectError(await nothingWritten(() => post("/signup", { email, password })), 400, "invalid_request", { field: "email" });
    }
  });

  it("the same email in other case or with spaces, another password -> 409 email_exists", async () => {
    // The attempt counts on the network's signup counter, a 409 on its address counter, and the
    // password check (is this the same signup sent again?) on the login counters.
    const reply = await nothingWritten(
      () => post("/signup", { email: `  ${existing.toUpperCase()}  `, password: "another horse battery staple" }),
      ["auth_throttle"],
    );
    expectError(reply, 409, "email_exists", { field: "email" });
  });

  it("weak passwords -> 400 weak_password with the reason, before any hashing", async () => {
    const email = uniqueEmail("weak");
    const cases: [string, string][] = [
      ["short", "too_short"],
      ["x".repeat(129), "too_long"],
      ["x".repeat(1000), "too_long"],
      ["abcdefgh\uD800", "invalid_characters"],
      ["iloveyou", "common"],
      ["Password1", "common"],
      [email.toUpperCase(), "matches_email"],
    ];
    for (const [pw, reason] of cases) {
      const reply = await nothingWritten(() => post("/signup", { email, password: pw }));
      expectError(reply, 400, "weak_password", { field: "password", reason });
    }
  });

  it("a 1,000-character password at login -> 400 invalid_request, never hashed", async () => {
    const reply = await nothingWritten(() => post("/login", { email: existing, password: "p".repeat(1000) }));
    expectError(reply, 400, "invalid_request", { field: "password" });
  });

  it("unknown email, wrong password and disabled account -> the same 401, body and headers", async () => {
    const disabled = uniqueEmail("disabled");
    expect((await post("/signup", { email: disabled, password })).status).to.equal(201);
    await credentialOf(disabled).update({ disabled: true });

    const throttle = ["auth_throttle"];
    const replies = [
      await nothingWritten(() => post("/login", { email: uniqueEmail("nobody"), password }), throttle),
      await nothingWritten(() => post("/login", { email: existing, password: `${password}!` }), throttle),
      await nothingWritten(() => post("/login", { email: disabled, password }), throttle),
    ];
    const shape = (r: Reply) => ({
      status: r.status,
      text: r.text,
      headers: [...r.headers.entries()].filter(([name]) => !["date", "content-length"].includes(name)),
    });
    for (const reply of replies) expectError(reply, 401, "invalid_credentials");
    expect(shape(replies[1] as Reply)).to.deep.equal(shape(replies[0] as Reply));
    expect(shape(replies[2] as Reply)).to.deep.equal(shape(replies[0] as Reply));
  });

  it("CORS preflight: allowed origin echoed, another origin gets no CORS headers", async () => {
    const preflight = (origin: string) =>
      send("/signup", { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": "POST" } });
    const ok = await preflight("https://app.flutterflow.io");
    expect(ok.status).to.equal(204);
    expect(ok.headers.get("access-control-allow-origin")).to.equal("https://app.flutterflow.io");
    const no = await preflight("https://evil.example");
    expect(no.status).to.equal(204);
    expect(no.headers.get("access-control-allow-origin")).to.equal(null);
  });
});

describe("error messages in the request's language (emulators, over HTTP)", () => {
  it("Accept-Language picks the message (quality values honoured) and Content-Language names it; the code stays", async () => {
    const email = uniqueEmail("lang");
    const cases: [string, number, string, string, string][] = [
      ["es", 401, "invalid_credentials", "es", "El correo o la contraseña no son correctos."],
      ["ja, de;q=0.9, en;q=0.5", 401, "invalid_credentials", "de", "E-Mail-Adresse oder Passwort ist falsch."],
      ["pt-BR", 401, "invalid_credentials", "pt", "O e-mail ou a senha estão incorretos."],
      ["ja", 401, "invalid_credentials", "en", "The email or password is incorrect."],
    ];
    for (const [acceptLanguage, status, code, language, message] of cases) {
      const reply = await post("/login", { email, password: "not the password at all" }, { "Accept-Language": acceptLanguage });
      expect([reply.status, reply.headers.get("content-language"), reply.json]).to.deep.equal([
        status,
        language,
        { error: { code, message } },
      ]);
    }
    const weak = await post("/signup", { email, password: "short" }, { "Accept-Language": "fr" });
    expect(weak.json).to.deep.equal({
      error: { code: "weak_password", message: "Le mot de passe est trop court.", field: "password", reason: "too_short" },
    });
  });
});
