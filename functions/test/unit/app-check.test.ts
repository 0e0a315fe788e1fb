import { expect } from "chai";
import type { Deps } from "../../src/domain/deps.js";
import type { AppCheckMode } from "../../src/domain/model.js";
import { corsStep } from "../../src/http/cors.js";
import { createHandler } from "../../src/http/handler.js";
import { ROUTES } from "../../src/http/routes.js";
import { APP_CHECK_PROJECT_NUMBER, newAppCheckKey, signAppCheckToken } from "../app-check-keys.js";
import { memoryAppCheck, signedUpWorld } from "./fakes.js";
import { FakeResponse, fakeRequest } from "./http-fakes.js";

// The App Check gate (http/app-check.ts) in front of the real route table, on the fakes: the
// real verifier with the test key set (test/app-check-keys.ts); the consume ledger in memory.
const email = "ada@example.com";
const password = "correct horse battery";

async function setUp(mode: AppCheckMode, consume = false) {
  const { w } = await signedUpWorld({ email, password, name: "Ada" });
  const tokens = memoryAppCheck();
  const deps: Deps = { ...w.deps, appCheck: { mode, consume, tokens } };
  const handler = createHandler(ROUTES, corsStep([]), async () => deps);
  const post = async (path: string, json: unknown, appCheck?: string) => {
    const res = new FakeResponse();
    const headers = appCheck === undefined ? {} : { "x-firebase-appcheck": appCheck };
    await (handler as (req: unknown, res: unknown) => Promise<void>)(fakeRequest({ path, json, headers }), res);
    return { status: res.statusCode, body: res.json() as { error?: { code: string; message: string } } };
  };
  const login = (appCheck?: string) => post("/login", { email, password }, appCheck);
  const failures = () => w.events.securityEvents.filter((event) => event.event === "app_check_failed");
  return { w, deps, tokens, post, login, failures };
}

const BAD_TOKENS: Readonly<Record<string, () => string>> = {
  expired: () => signAppCheckToken({ now: new Date(Date.now() - 2 * 3600_000) }),
  wrong_audience: () => signAppCheckToken({ claims: { aud: ["projects/999", "projects/someone-else"] } }),
  wrong_issuer: () => signAppCheckToken({ claims: { iss: "https://firebaseappcheck.googleapis.com/999" } }),
  bad_signature: () => signAppCheckToken({ key: newAppCheckKey("app-check-test-key") }),
  unknown_key: () => signAppCheckToken({ header: { kid: "no-such-key" } }),
  malformed: () => "not.a.token",
};

describe("App Check gate (APP_CHECK, APP_CHECK_CONSUME; real verifier, local key set, fakes)", () => {
  it("off: no token is read, a bad one passes unexamined", async () => {
    const { login, failures } = await setUp("off");
    expect((await login()).status).to.equal(200);
    expect((await login("garbage")).status).to.equal(200);
    expect(failures()).to.deep.equal([]);
  });

  it("monitor: a missing or refused token is a security event and the request is served", async () => {
    const { login, failures } = await setUp("monitor");
    expect((await login()).status).to.equal(200);
    expect((await login(BAD_TOKENS.expired?.())).status).to.equal(200);
    expect((await login(signAppCheckToken())).status).to.equal(200);
    expect(failures()).to.deep.equal([
      { event: "app_check_failed", reason: "missing", route: "login", refused: false },
      { event: "app_check_failed", reason: "expired", route: "login", refused: false },
    ]);
  });

  it("enforce: missing -> 401 app_check_required; each refused token -> 401 app_check_invalid (its reason in the event only); a valid one is served", async () => {
    const { login, failures, w } = await setUp("enforce");
    const missing = await login();
    expect([missing.status, missing.body.error?.code]).to.deep.equal([401, "app_check_required"]);
    expect([(await login("   ")).body.error?.code]).to.deep.equal(["app_check_required"]);
    for (const [reason, make] of Object.entries(BAD_TOKENS)) {
      const token = make();
      const answer = await login(token);
      expect([answer.status, answer.body.error?.code], reason).to.deep.equal([401, "app_check_invalid"]);
      expect(JSON.stringify(answer.body)).to.not.include(token);
      expect(failures().at(-1), reason).to.deep.equal({ event: "app_check_failed", reason, route: "login", refused: true });
    }
    expect((await login("x".repeat(5000))).body.error?.code, "over-long: refused unparsed").to.equal("app_check_invalid");
    // Nothing was counted or checked for the refused ones: the password check never ran.
    expect(w.hasher.verifications, "no hash before App Check passes").to.equal(0);
    const served = await login(signAppCheckToken());
    expect(served.status).to.equal(200);
    expect(w.hasher.verifications).to.equal(1);
  });

  it("the project number, when set, must be the token's issuer and audience (another project's token is refused)", async () => {
    const { login } = await setUp("enforce");
    const other = signAppCheckToken({ projectNumber: "999999999999" });
    expect((await login(other)).body.error?.code).to.equal("app_check_invalid");
    expect((await login(signAppCheckToken({ projectNumber: APP_CHECK_PROJECT_NUMBER }))).status).to.equal(200);
  });

  it("APP_CHECK_CONSUME: a replay-protected route takes a token once, a replay is 401 app_check_invalid; other routes reuse it", async () => {
    const { login, post, failures, tokens } = await setUp("enforce", true);
    const token = signAppCheckToken();
    expect((await login(token)).status).to.equal(200);
    const replay = await login(token);
    expect([replay.status, replay.body.error?.code]).to.deep.equal([401, "app_check_invalid"]);
    expect(failures().at(-1)).to.deep.equal({ event: "app_check_failed", reason: "replayed", route: "login", refused: true });
    expect(tokens.used.size).to.equal(1);
    // /refresh is not replay-protected: the same (ordinary, cached) token keeps working there.
    for (let i = 0; i < 2; i++)
      expect((await post("/refresh", { refresh_token: "not-a-token" }, token)).body.error?.code).to.equal("invalid_refresh_token");
    // Without APP_CHECK_CONSUME the same token passes twice on a replay-protected route.
    const plain = await setUp("enforce", false);
    expect([(await plain.login(token)).status, (await plain.login(token)).status]).to.deep.equal([200, 200]);
  });

  it("a route's own mode wins: GET /openapi.json is served under enforce without a token", async () => {
    const { deps } = await setUp("enforce");
    const handler = createHandler(ROUTES, corsStep([]), async () => deps);
    const res = new FakeResponse();
    await (handler as (req: unknown, res: unknown) => Promise<void>)(fakeRequest({ method: "GET", path: "/openapi.json" }), res);
    expect(res.statusCode).to.equal(200);
  });

  it("the key set out of reach: enforce answers 503 (nothing let through unchecked); monitor serves and logs it", async () => {
    const outage = Object.assign(new Error("fetch failed"), { code: "ECONNREFUSED" });
    for (const [mode, status] of [
      ["enforce", 503],
      ["monitor", 200],
    ] as const) {
      const { w } = await signedUpWorld({ email, password, name: "Ada" });
      const deps: Deps = {
        ...w.deps,
        appCheck: { mode, consume: false, tokens: { verify: () => Promise.reject(outage), consume: () => Promise.resolve(true) } },
      };
      const handler = createHandler(ROUTES, corsStep([]), async () => deps);
      const res = new FakeResponse();
      await (handler as (req: unknown, res: unknown) => Promise<void>)(
        fakeRequest({ path: "/login", json: { email, password }, headers: { "x-firebase-appcheck": signAppCheckToken() } }),
        res,
      );
      expect(res.statusCode, mode).to.equal(status);
      if (mode === "monitor") expect(w.events.seen).to.include("follow_up_failed:check_app_check:");
    }
  });

  it("production's consume (Google's API through firebase-admin, stubbed: it cannot run offline): a replay is 401; a refused permission is a 500 that names the role, an outage a 503", async () => {
    const { googleAppCheckTokens } = await import("../../src/adapters/app-check-tokens.js");
    const { appCheckVerifier } = await import("../../src/adapters/app-check-verifier.js");
    const { APP_CHECK_JWKS, APP_CHECK_PROJECT_ID } = await import("../app-check-keys.js");
    const verifier = appCheckVerifier({ projectId: APP_CHECK_PROJECT_ID, keys: APP_CHECK_JWKS });
    const consumed = new Set<string>();
    const asked: { token: string; consume: boolean | undefined }[] = [];
    let failure: unknown;
    const google = googleAppCheckTokens(verifier, () => ({
      verifyToken: async (token: string, options?: { consume?: boolean }) => {
        asked.push({ token, consume: options?.consume });
        if (failure !== undefined) throw failure;
        const alreadyConsumed = consumed.has(token);
        consumed.add(token);
        return { appId: "app", token: { app_id: "app" }, alreadyConsumed } as never;
      },
    }));
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    const deps: Deps = { ...w.deps, appCheck: { mode: "enforce", consume: true, tokens: google } };
    const handler = createHandler(ROUTES, corsStep([]), async () => deps);
    const login = async (token: string) => {
      const res = new FakeResponse();
      await (handler as (req: unknown, res: unknown) => Promise<void>)(
        fakeRequest({ path: "/login", json: { email, password }, headers: { "x-firebase-appcheck": token } }),
        res,
      );
      return { status: res.statusCode, code: (res.json() as { error?: { code: string; message: string } }).error };
    };
    const token = signAppCheckToken();
    expect((await login(token)).status).to.equal(200);
    expect(asked).to.deep.equal([{ token, consume: true }]);
    expect([(await login(token)).status, (await login(token)).code?.code]).to.deep.equal([401, "app_check_invalid"]);
    failure = Object.assign(new Error("The caller does not have permission"), { code: "app-check/permission-denied" });
    const refused = await login(signAppCheckToken());
    expect([refused.status, refused.code?.code]).to.deep.equal([500, "internal"]);
    failure = Object.assign(new Error("socket hang up"), { code: "app/network-error" });
    expect((await login(signAppCheckToken())).status).to.equal(503);
    // firebase-admin's own check refusing the token (expired meanwhile, a key it has not fetched): the token's fault, 401.
    for (const code of ["app-check/app-check-token-expired", "app-check/invalid-argument"]) {
      failure = Object.assign(new Error("refused"), { code });
      const answer = await login(signAppCheckToken());
      expect([answer.status, answer.code?.code], code).to.deep.equal([401, "app_check_invalid"]);
    }
    // A token without an id (jti) cannot be consumed once: refused where consumption applies.
    failure = undefined;
    const noId = await login(signAppCheckToken({ claims: { jti: undefined } }));
    expect([noId.status, noId.code?.code]).to.deep.equal([401, "app_check_invalid"]);
  });

  it("CORS lets browsers send the header", async () => {
    const { deps } = await setUp("enforce");
    const handler = createHandler(ROUTES, corsStep(["https://app.example.com"]), async () => deps);
    const res = new FakeResponse();
    await (handler as (req: unknown, res: unknown) => Promise<void>)(
      fakeRequest({
        method: "OPTIONS",
        path: "/login",
        headers: { origin: "https://app.example.com", "access-control-request-headers": "content-type,x-firebase-appcheck" },
      }),
      res,
    );
    expect(String(res.getHeader("access-control-allow-headers")).toLowerCase()).to.include("x-firebase-appcheck");
  });
});
