import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { expect } from "chai";
import { APP_CHECK_JWKS, APP_CHECK_KEY, newAppCheckKey, signAppCheckToken } from "../app-check-keys.js";
import { eventsIn, functionsFrameworkArgs, type LoggedFunction, portOpen, root, serveLogged, stopProcess } from "./framework.js";
import {
  accountFootprint,
  authBody,
  bearer,
  db,
  errorCode,
  fetchReply,
  PROJECT_ID,
  post,
  type Reply,
  signInWithCustomToken,
  uniqueEmail,
} from "./helpers.js";

// Firebase App Check on the HTTP routes (APP_CHECK, APP_CHECK_CONSUME), the function served by
// the Functions Framework with the real Firestore and Auth emulators, tokens signed by a local
// key pair (test/app-check-keys.ts) that APP_CHECK_LOCAL_JWKS makes the function trust instead of
// Google's key set. Each instance's output is kept: its security events are read from it (the
// stack's log, which zz-logs scans, holds only the Functions emulator's output, where APP_CHECK is off).
const password = "correct horse battery staple";
const ENFORCE_PORT = 8315; // other files use 8290-8313
const MONITOR_PORT = 8316;
const CONSUME_PORT = 8317;
const DEPLOYED_PORT = 8318;
const ALLOWED_ORIGIN = "https://app-check.example.test";
const LOCAL_JWKS = JSON.stringify(APP_CHECK_JWKS);
const SENTENCE = /^[A-Z][^\n]*\.$/;

const appCheck = (token: string) => ({ "X-Firebase-AppCheck": token });
const payloadOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { jti: string; exp: number };
/** The ledger document of a consumed token (adapters/app-check-tokens.ts: sha256("app_check", NUL, jti)). */
const ledgerDoc = (token: string) =>
  db()
    .collection("auth_throttle")
    .doc(
      createHash("sha256")
        .update(`app_check\u0000${payloadOf(token).jti}`)
        .digest("hex"),
    );

const expectError = (reply: Reply, status: number, code: string, what?: string) =>
  expect([reply.status, errorCode(reply)], what ?? reply.text).to.deep.equal([status, code]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The function's output once what it logged before its last answer has been read from the pipe. */
async function settledOutput(fn: LoggedFunction): Promise<string> {
  await sleep(500);
  return fn.output();
}

/** An App Check refusal: its status and code, a sentence for people, and no part of the token anywhere in the answer. */
function refused(reply: Reply, code: "app_check_required" | "app_check_invalid", token: string | undefined, what: string): void {
  expectError(reply, 401, code, `${what}: ${reply.text}`);
  const message = (reply.json as { error: { message: string } }).error.message;
  expect(message, what).to.match(SENTENCE);
  if (token === undefined || token === "") return;
  expect(reply.text, `${what}: the answer echoes the token`).to.not.include(token);
  for (const part of token.split(".").filter((p) => p.length >= 16)) {
    expect(reply.text, `${what}: the answer echoes part of the token`).to.not.include(part);
  }
  for (const [name, value] of reply.headers) expect(value, `${what}: header ${name}`).to.not.include(token);
}

/** An account made over the stack's API (APP_CHECK off there). */
async function account(tag: string): Promise<{ email: string; uid: string }> {
  const email = uniqueEmail(tag);
  const body = authBody(await post("/signup", { email, password, name: tag }));
  return { email, uid: body.user.id };
}

describe("App Check (Functions Framework, real Firestore, a local key set)", () => {
  let enforce: LoggedFunction | undefined;
  let monitor: LoggedFunction | undefined;
  let consume: LoggedFunction | undefined;
  const served = (fn: LoggedFunction | undefined): LoggedFunction => {
    if (fn === undefined) throw new Error("the instance did not start");
    return fn;
  };

  before(async () => {
    // The tokens name the stack's project: the function checks their audience against it.
    expect(process.env.GCLOUD_PROJECT).to.equal(PROJECT_ID);
    expect(PROJECT_ID).to.equal("demo-flutterflow-auth");
    [enforce, monitor, consume] = await Promise.all([
      serveLogged(ENFORCE_PORT, { APP_CHECK: "enforce", APP_CHECK_LOCAL_JWKS: LOCAL_JWKS, CORS_ORIGINS: ALLOWED_ORIGIN }),
      serveLogged(MONITOR_PORT, { APP_CHECK: "monitor", APP_CHECK_LOCAL_JWKS: LOCAL_JWKS }),
      serveLogged(CONSUME_PORT, { APP_CHECK: "enforce", APP_CHECK_CONSUME: "true", APP_CHECK_LOCAL_JWKS: LOCAL_JWKS }),
    ]);
  });

  after(async () => {
    await Promise.all([stopProcess(enforce?.process), stopProcess(monitor?.process), stopProcess(consume?.process)]);
  });

  describe("APP_CHECK=enforce", () => {
    it("no X-Firebase-AppCheck header: 401 app_check_required on signup, login and a signed-in route, in the request's language; nothing is made", async () => {
      const fn = served(enforce);
      const { email } = await account("ac.noheader");
      const newcomer = uniqueEmail("ac.noheader.new");
      refused(await fn.post("/signup", { email: newcomer, password }), "app_check_required", undefined, "signup");
      expect(await accountFootprint(newcomer), "no account made").to.deep.equal({ credentials: 0, uidIndex: 0, users: 0, authUsers: 0 });
      refused(await fn.post("/login", { email, password }), "app_check_required", undefined, "login");
      refused(await fn.post("/login", { email, password }, { "X-Firebase-AppCheck": "   " }), "app_check_required", undefined, "blank");
      // App Check comes before the caller: a valid ID token does not make up for it.
      const signedIn = authBody(await post("/login", { email, password }));
      const { idToken } = await signInWithCustomToken(signedIn.jwt_token);
      refused(await fn.get("/me", bearer(idToken)), "app_check_required", undefined, "GET /me");
      const english = (await fn.post("/login", { email, password })).json as { error: { message: string } };
      const french = await fn.post("/login", { email, password }, { "Accept-Language": "fr" });
      expectError(french, 401, "app_check_required");
      expect((french.json as { error: { message: string } }).error.message).to.not.equal(english.error.message);

      const missing = eventsIn(await settledOutput(fn), "app_check_failed").filter((event) => event.reason === "missing");
      expect(new Set(missing.map((event) => event.route))).to.deep.equal(new Set(["signup", "login", "me"]));
      for (const event of missing) expect(event.refused, JSON.stringify(event)).to.equal(true);
    });

    it("expired, wrong audience, wrong issuer, another key, forged algorithms, garbage: 401 app_check_invalid, nothing echoes the token, nothing is made", async () => {
      const fn = served(enforce);
      const { email } = await account("ac.invalid");
      const impostor = newAppCheckKey(APP_CHECK_KEY.kid); // the trusted key's kid, another key pair
      const stranger = newAppCheckKey("unknown-kid");
      const bad: [string, string][] = [
        ["expired", signAppCheckToken({ now: new Date(Date.now() - 2 * 3600_000) })],
        ["expired a second ago", signAppCheckToken({ now: new Date(Date.now() - 3601_000) })],
        ["wrong audience (another project)", signAppCheckToken({ projectId: "another-project" })],
        ["wrong issuer", signAppCheckToken({ claims: { iss: "https://example.com/123456789012" } })],
        ["signed by another key under the trusted kid", signAppCheckToken({ key: impostor })],
        ["signed by a key the set does not hold", signAppCheckToken({ key: stranger })],
        ["HS256 with the public key as secret", signAppCheckToken({ alg: "HS256" })],
        ["alg none", signAppCheckToken({ alg: "none" })],
        ["no subject", signAppCheckToken({ claims: { sub: undefined } })],
        ["garbage", "garbage"],
        ["three garbage parts", "not.a.token"],
        ["far too long", `${signAppCheckToken()}${"A".repeat(5000)}`],
      ];
      for (const [what, token] of bad) {
        refused(await fn.post("/login", { email, password }, appCheck(token)), "app_check_invalid", token, `login, ${what}`);
      }
      const newcomer = uniqueEmail("ac.invalid.new");
      const expired = bad[0]?.[1] ?? "";
      refused(await fn.post("/signup", { email: newcomer, password }, appCheck(expired)), "app_check_invalid", expired, "signup, expired");
      expect(await accountFootprint(newcomer), "no account made").to.deep.equal({ credentials: 0, uidIndex: 0, users: 0, authUsers: 0 });

      const output = await settledOutput(fn);
      for (const [what, token] of bad) expect(output, `the function's log holds the ${what} token`).to.not.include(token);
      const reasons = new Set(eventsIn(output, "app_check_failed").map((event) => event.reason));
      for (const reason of [
        "expired",
        "wrong_audience",
        "wrong_issuer",
        "bad_signature",
        "unknown_key",
        "wrong_algorithm",
        "no_subject",
        "malformed",
      ]) {
        expect(reasons.has(reason), `an app_check_failed event with reason ${reason} (${[...reasons].join(", ")})`).to.equal(true);
      }
      for (const event of eventsIn(output, "app_check_failed")) {
        expect(event.refused, JSON.stringify(event)).to.equal(true);
        expect(event.route, JSON.stringify(event)).to.be.oneOf(["signup", "login", "me"]);
        expect(JSON.stringify(event), "an event carries an email address").to.not.match(/@example\.com/);
      }
    });

    it("a valid token: signup 201, login 200, GET /me 200 (with the ID token)", async () => {
      const fn = served(enforce);
      const email = uniqueEmail("ac.valid");
      const signedUp = await fn.post("/signup", { email, password, name: "Valid" }, appCheck(signAppCheckToken()));
      expect(signedUp.status, signedUp.text).to.equal(201);
      const uid = authBody(signedUp).user.id;
      const loggedIn = await fn.post("/login", { email, password }, appCheck(signAppCheckToken()));
      expect(loggedIn.status, loggedIn.text).to.equal(200);
      const { idToken, localId } = await signInWithCustomToken(authBody(loggedIn).jwt_token);
      expect(localId).to.equal(uid);
      // Without APP_CHECK_CONSUME a token is not used up: the same one twice is fine.
      const token = signAppCheckToken();
      for (let i = 0; i < 2; i++) {
        const me = await fn.get("/me", { ...bearer(idToken), ...appCheck(token) });
        expect(me.status, me.text).to.equal(200);
      }
      const wrongPassword = await fn.post("/login", { email, password: "not the password at all" }, appCheck(signAppCheckToken()));
      expectError(wrongPassword, 401, "invalid_credentials", "a passed App Check does not stand for the password");
    });

    it("GET /openapi.json (its route's own mode: off) without a token: 200", async () => {
      const fn = served(enforce);
      const reply = await fn.get("/openapi.json");
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.json).to.have.property("openapi");
      // Its neighbours are not exempt.
      refused(await fn.get("/me"), "app_check_required", undefined, "GET /me, no token");
    });

    it("a CORS preflight from an allowed origin lists X-Firebase-AppCheck in Access-Control-Allow-Headers; another origin gets no CORS headers", async () => {
      const fn = served(enforce);
      const preflight = (origin: string) =>
        fetchReply(`${fn.url}/login`, {
          method: "OPTIONS",
          headers: {
            Origin: origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-firebase-appcheck",
          },
        });
      const allowed = await preflight(ALLOWED_ORIGIN);
      expect(allowed.status).to.equal(204);
      expect(allowed.headers.get("access-control-allow-origin")).to.equal(ALLOWED_ORIGIN);
      const headers = (allowed.headers.get("access-control-allow-headers") ?? "").split(",").map((h) => h.trim().toLowerCase());
      expect(headers).to.include("x-firebase-appcheck");
      expect(headers).to.include("content-type");
      const other = await preflight("https://elsewhere.example.test");
      expect(other.headers.get("access-control-allow-origin")).to.equal(null);
      expect(other.headers.get("access-control-allow-headers")).to.equal(null);
    });
  });

  describe("APP_CHECK=monitor", () => {
    it("no or a bad token: the request is served (login 200, a wrong password 401 invalid_credentials), and logged as not refused", async () => {
      const fn = served(monitor);
      const { email } = await account("ac.monitor");
      const before = eventsIn(fn.output(), "app_check_failed").length;
      const loggedIn = await fn.post("/login", { email, password });
      expect(loggedIn.status, loggedIn.text).to.equal(200);
      expect((await signInWithCustomToken(authBody(loggedIn).jwt_token)).claims.user_id).to.be.a("string");
      expectError(await fn.post("/login", { email, password: "not the password at all" }), 401, "invalid_credentials");
      const garbage = await fn.post("/login", { email, password }, appCheck("garbage"));
      expect(garbage.status, garbage.text).to.equal(200);
      const valid = await fn.post("/login", { email, password }, appCheck(signAppCheckToken()));
      expect(valid.status, valid.text).to.equal(200);

      const events = eventsIn(await settledOutput(fn), "app_check_failed").slice(before);
      expect(events.map((event) => [event.reason, event.route, event.refused])).to.deep.equal([
        ["missing", "login", false],
        ["missing", "login", false],
        ["malformed", "login", false],
      ]);
    });
  });

  describe("APP_CHECK=enforce with APP_CHECK_CONSUME=true (the Firestore ledger)", () => {
    it("a fresh token logs in once; the same token again is 401 app_check_invalid; its ledger document expires with the token", async () => {
      const fn = served(consume);
      const { email } = await account("ac.consume");
      const token = signAppCheckToken({ ttlSeconds: 300 });
      expect((await ledgerDoc(token).get()).exists, "no ledger document before").to.equal(false);
      const first = await fn.post("/login", { email, password }, appCheck(token));
      expect(first.status, first.text).to.equal(200);
      refused(await fn.post("/login", { email, password }, appCheck(token)), "app_check_invalid", token, "the same token again");
      // Consumed on any replay-protected route: the used token does not sign up either.
      const newcomer = uniqueEmail("ac.consume.new");
      refused(await fn.post("/signup", { email: newcomer, password }, appCheck(token)), "app_check_invalid", token, "signup, used token");

      const ledger = await ledgerDoc(token).get();
      expect(ledger.exists, "the ledger document").to.equal(true);
      expect(ledger.get("dimension")).to.equal("app_check_used");
      expect(ledger.get("expires_at").toMillis()).to.equal(payloadOf(token).exp * 1000);
      const output = await settledOutput(fn);
      expect(output).to.not.include(token);
      const replayed = eventsIn(output, "app_check_failed").filter((event) => event.reason === "replayed");
      expect(replayed.map((event) => event.route)).to.include.members(["login", "signup"]);
    });

    it("10 concurrent logins with ONE token (one instance): exactly one passes App Check", async () => {
      const fn = served(consume);
      const { email } = await account("ac.race");
      const token = signAppCheckToken({ ttlSeconds: 300 });
      const replies = await Promise.all(Array.from({ length: 10 }, () => fn.post("/login", { email, password }, appCheck(token))));
      const outcomes = replies.map((r) => `${r.status} ${errorCode(r) ?? ""}`.trim());
      expect(
        outcomes.filter((o) => o === "200"),
        outcomes.join(", "),
      ).to.have.length(1);
      for (const outcome of outcomes.filter((o) => o !== "200")) expect(outcome, outcomes.join(", ")).to.equal("401 app_check_invalid");
      expect((await ledgerDoc(token).get()).exists).to.equal(true);
      console.log(`      (10 logins with one token in flight: ${outcomes.join(", ")})`);
    });

    it("/refresh is not replay protected: the same token twice is let through, and not consumed", async () => {
      const fn = served(consume);
      const { email } = await account("ac.refresh");
      const loggedIn = await fn.post("/login", { email, password }, appCheck(signAppCheckToken()));
      expect(loggedIn.status, loggedIn.text).to.equal(200);
      const token = signAppCheckToken();
      const once = await fn.post("/refresh", { refresh_token: authBody(loggedIn).refresh_token }, appCheck(token));
      expect(once.status, once.text).to.equal(200);
      const twice = await fn.post("/refresh", { refresh_token: authBody(once).refresh_token }, appCheck(token));
      expect(twice.status, twice.text).to.equal(200);
      expect((await ledgerDoc(token).get()).exists, "a refresh consumes nothing").to.equal(false);
      // Still checked, though: no token, no refresh.
      refused(
        await fn.post("/refresh", { refresh_token: authBody(twice).refresh_token }),
        "app_check_required",
        undefined,
        "refresh without a token",
      );
    });
  });
});

describe("App Check: a deployed function refuses a local key set", function () {
  this.timeout(60_000);

  /** Started as production starts it (K_SERVICE, no emulator host), as production-guard's test does. */
  function startDeployedLike(env: Record<string, string>): Promise<{ code: number | null; output: string; listening: boolean }> {
    const base: Record<string, string | undefined> = { ...process.env };
    for (const name of Object.keys(base)) if (name.endsWith("_EMULATOR_HOST")) base[name] = "";
    return new Promise((resolve) => {
      const child = spawn("node", functionsFrameworkArgs(DEPLOYED_PORT), {
        cwd: root,
        env: {
          ...base,
          NODE_ENV: "production",
          METADATA_SERVER_DETECTION: "none",
          FUNCTION_TARGET: "auth",
          K_SERVICE: "auth",
          FUNCTIONS_EMULATOR: "",
          FIREBASE_DEBUG_MODE: "",
          ...env,
        },
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      // Listening (or still running after 15 s): stopped, and reported as such; exited: its code.
      const started = Date.now();
      let stopped = false;
      const poll = async (): Promise<void> => {
        if (stopped) return;
        const listening = await portOpen(DEPLOYED_PORT);
        if (stopped) return;
        if (listening || Date.now() - started > 15_000) {
          stopped = true;
          child.once("exit", () => resolve({ code: null, output, listening }));
          child.kill("SIGKILL");
          return;
        }
        setTimeout(() => void poll(), 200);
      };
      child.once("exit", (code) => {
        if (stopped) return;
        stopped = true;
        resolve({ code, output, listening: false });
      });
      void poll();
    });
  }

  it("K_SERVICE with APP_CHECK_LOCAL_JWKS: the function does not start, says why, and does not print the key set", async () => {
    const result = await startDeployedLike({ APP_CHECK: "enforce", APP_CHECK_LOCAL_JWKS: LOCAL_JWKS });
    expect(result.listening, result.output).to.equal(false);
    expect(result.code, result.output).to.not.equal(0);
    expect(result.output).to.match(/Refusing to start: APP_CHECK_LOCAL_JWKS/);
    expect(result.output).to.not.include(String(APP_CHECK_KEY.publicJwk.n));
  });

  it("the same deployed-like start without APP_CHECK_LOCAL_JWKS serves (the refusal is the key set's)", async () => {
    const result = await startDeployedLike({ APP_CHECK: "enforce" });
    expect(result.listening, result.output).to.equal(true);
    expect(result.output).to.not.match(/Refusing to start/);
  });
});
