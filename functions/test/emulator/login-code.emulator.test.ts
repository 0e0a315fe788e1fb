import { expect } from "chai";
import { generate } from "otplib";
import { LIMITS } from "../../src/config.js";
import { appSignedIn, closeApps, reach } from "./app.js";
import { eventsIn, type LoggedFunction, type Served, serveFunction, serveLogged, stopProcess } from "./framework.js";
import {
  accountFootprint,
  auth,
  authBody,
  bearer,
  credentialOf,
  db,
  emailKey,
  errorCode,
  keys,
  mailedCode,
  mailsTo,
  post,
  type Reply,
  randomClientIp,
  send,
  signInWithCustomToken,
  uniqueEmail,
} from "./helpers.js";

// Sign in by an emailed code (POST /login/code/request and /login/code/confirm) over HTTP, as a
// FlutterFlow app calls it: the code read from the `mail` collection, the custom token exchanged
// at the Auth emulator by the Firebase JS SDK. The concurrency test and the LOGIN_CODE_SIGNUP
// switch run under the Functions Framework (one process, many requests at once; its own env).
const password = "correct horse battery staple";
const RACE_PORT = 8312; // other files use 8290-8311
const SIGNUP_PORT = 8313;
const PERIOD = 30;
const SUBJECT = /: your sign-in code$/;
const MFA_KEYS = "methods,mfa_required,mfa_token";
const VERIFIED_KEYS = "expires_in,jwt_token,mfa_required,recovery_codes_left,refresh_token,token_type,user";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const claimsOf = (idToken: string) =>
  JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
const network = () => ({ "X-Forwarded-For": randomClientIp() });

const requestCode = (email: string, headers: Record<string, string> = {}) => post("/login/code/request", { email }, headers);
const confirmCode = (email: string, code: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  post("/login/code/confirm", { email, code, ...extra }, headers);
const me = (idToken: string) => send("/me", { method: "GET", headers: bearer(idToken) });
const sessionsOf = async (uid: string): Promise<number> => (await db().collection("auth_sessions").where("uid", "==", uid).get()).size;
/** The stored login code of an address (auth_codes/{HMAC("code", "login_code", email key)}). */
const loginCodeDoc = (email: string) =>
  db()
    .collection("auth_codes")
    .doc(keys.code("login_code", emailKey(email)));

const expectError = (reply: Reply, status: number, code: string, what?: string) =>
  expect([reply.status, errorCode(reply)], what ?? reply.text).to.deep.equal([status, code]);

/** A 6-digit code that is not `code`. */
const otherThan = (code: string) => (code === "000000" ? "000001" : "000000");

/** Sends `request` and measures it from the client side (which can only be longer than the server's time). */
async function timed(request: () => Promise<Reply>): Promise<{ reply: Reply; ms: number }> {
  const started = performance.now();
  const reply = await request();
  return { reply, ms: performance.now() - started };
}

/** Signs up (password), optionally proves the address with the code the signup mailed; from `phone`. */
async function signedUp(tag: string, phone: Record<string, string>, options: { readonly verified: boolean }) {
  const email = uniqueEmail(tag);
  const body = authBody(await post("/signup", { email, password, name: tag }, phone));
  const session = await signInWithCustomToken(body.jwt_token);
  if (options.verified) {
    const confirmed = await post("/email/verify/confirm", { code: await mailedCode(email) }, { ...bearer(session.idToken), ...phone });
    expect(confirmed.json, confirmed.text).to.have.nested.property("user.email_verified", true);
  }
  return { email, uid: body.user.id, idToken: session.idToken, refresh: body.refresh_token };
}

/** The code an authenticator app shows during `step` (RFC 6238: SHA-1, 6 digits, 30 s), by otplib. */
const codeAt = (secret: string, step: number): Promise<string> =>
  generate({ secret, epoch: step * PERIOD, algorithm: "sha1", digits: 6, period: PERIOD });

/** An authenticator app: each call gives a code of a step the server takes now and has not seen (as second-factor's). */
class Authenticator {
  private lastStep = Number.NEGATIVE_INFINITY;
  constructor(readonly secret: string) {}

  async next(): Promise<string> {
    for (;;) {
      const now = Date.now();
      const current = Math.floor(now / 1000 / PERIOD);
      const untilNext = (current + 1) * PERIOD * 1000 - now;
      let step = Math.max(this.lastStep + 1, current - 1);
      if (step === current - 1 && untilNext < 5000) step = current;
      if (step <= current + 1) {
        this.lastStep = step;
        return codeAt(this.secret, step);
      }
      await sleep(untilNext + 100);
    }
  }
}

describe("sign in by an emailed code (emulators, over HTTP)", () => {
  afterEach(closeApps);

  it("a known and an unknown address: the same 202 and byte-identical body, both no faster than the floor; a second request inside the resend interval: the same 429 for both", async () => {
    const known = await signedUp("code.known", network(), { verified: true });
    const unknown = uniqueEmail("code.nobody");
    const mailsBefore = (await mailsTo(known.email)).length;

    const first = [await timed(() => requestCode(known.email)), await timed(() => requestCode(unknown))];
    for (const { reply, ms } of first) {
      expect(reply.status, reply.text).to.equal(202);
      expect(ms, "answered no sooner than the floor").to.be.at.least(LIMITS.resetRequestFloorMs);
    }
    expect(first[0]?.reply.text).to.equal(first[1]?.reply.text);
    expect(first[0]?.reply.json).to.deep.equal({ sent: true });
    expect(first[0]?.reply.headers.get("content-type")).to.equal(first[1]?.reply.headers.get("content-type"));

    // The known address got its code; the unknown one nothing - but the same document, without a code
    // (it is what makes the resend interval apply to both alike).
    const mails = await mailsTo(known.email);
    expect(mails).to.have.length(mailsBefore + 1);
    expect(mails.at(-1)?.subject).to.match(SUBJECT);
    expect(await mailsTo(unknown)).to.have.length(0);
    const stored = await loginCodeDoc(unknown).get();
    expect(stored.exists, "the unknown address's code document").to.equal(true);
    expect([stored.get("uid"), stored.get("digest")]).to.deep.equal([null, null]);

    const again = [await timed(() => requestCode(known.email)), await timed(() => requestCode(unknown))];
    for (const { reply, ms } of again) {
      expectError(reply, 429, "too_many_requests");
      const retryAfter = Number(reply.headers.get("retry-after"));
      expect(retryAfter).to.be.within(1, LIMITS.codeResendSeconds);
      expect(ms, "a 429 is floored too").to.be.at.least(LIMITS.resetRequestFloorMs);
    }
    // The same body but for the seconds left (which may differ by one between the two calls).
    const shape = (reply: Reply | undefined) => reply?.text.replace(/[0-9]+/g, "N");
    expect(shape(again[0]?.reply)).to.equal(shape(again[1]?.reply));
    expect(await mailsTo(known.email), "no second mail").to.have.length(mailsBefore + 1);
  });

  it("the mailed code signs in: the sign-in answer, a Firebase session (JS SDK) with auth_methods [email], /me; the password still works; the code once only", async () => {
    const phone = network();
    const user = await signedUp("code.signin", phone, { verified: true });
    const asked = await requestCode(user.email, phone);
    expect([asked.status, asked.json]).to.deep.equal([202, { sent: true }]);
    expect((await mailsTo(user.email)).at(-1)?.subject).to.match(SUBJECT);
    const code = await mailedCode(user.email);
    const before = await sessionsOf(user.uid);

    const confirmed = await confirmCode(user.email, code, phone);
    expect(confirmed.status, confirmed.text).to.equal(200);
    const body = authBody(confirmed);
    expect(body.mfa_required).to.equal(false);
    expect(body.user).to.include({ id: user.uid, email: user.email, email_verified: true, mfa_enabled: false });
    expect(body.refresh_token).to.be.a("string").and.not.equal(user.refresh);
    expect(await sessionsOf(user.uid), "a new session").to.equal(before + 1);

    const app = await appSignedIn(body.jwt_token);
    expect(app.uid).to.equal(user.uid);
    expect(claimsOf(app.idToken).auth_methods).to.deep.equal(["email"]);
    expect(await reach(app)).to.deep.equal({ api: 200, rules: "allowed" });
    const mine = await me(app.idToken);
    expect(mine.status, mine.text).to.equal(200);
    expect(mine.json).to.have.nested.property("user.id", user.uid);

    // A verified account is not taken over: its password and its other session go on.
    expect((await post("/login", { email: user.email, password }, phone)).status).to.equal(200);
    expect((await post("/refresh", { refresh_token: user.refresh }, phone)).status).to.equal(200);

    expectError(await confirmCode(user.email, code, phone), 400, "invalid_code", "the same code again");
  });

  it("an expired code is refused (its expiry dated back in the store, as password-reset's test does)", async () => {
    // The emulators' clock cannot be moved: the stored expiry is moved instead, which exercises
    // the store's own expiry check end to end. The 15 minutes themselves are unit-tested
    // (test/unit/login-code.test.ts, "the code expires after CODE_TTL_MINUTES").
    const phone = network();
    const user = await signedUp("code.expired", phone, { verified: true });
    await requestCode(user.email, phone);
    const code = await mailedCode(user.email);
    const stored = loginCodeDoc(user.email);
    expect((await stored.get()).get("uid")).to.equal(user.uid);
    await stored.update({ expires_at: new Date(Date.now() - 1000) });
    expectError(await confirmCode(user.email, code, phone), 400, "invalid_code");
  });

  it("five wrong codes (from five networks) kill the code: the right one is then invalid_code", async () => {
    const user = await signedUp("code.wrong", network(), { verified: true });
    await requestCode(user.email);
    const code = await mailedCode(user.email);
    // post() gives each request an address of its own: what is tested is the code's count, not the throttle's.
    for (let i = 1; i <= LIMITS.maxCodeTries; i++)
      expectError(await confirmCode(user.email, otherThan(code)), 400, "invalid_code", `try ${i}`);
    expectError(await confirmCode(user.email, code), 400, "invalid_code", "the right code after five wrong ones");
  });

  it("10 concurrent confirms of one code (one instance, as production serves them): exactly one sign-in, one session", async () => {
    let fn: Served | undefined;
    try {
      fn = await serveFunction(RACE_PORT, { LOGIN_CODE: "true" });
      const served = fn;
      const user = await signedUp("code.race", network(), { verified: true });
      await requestCode(user.email);
      const code = await mailedCode(user.email);
      const before = await sessionsOf(user.uid);
      const replies = await Promise.all(
        Array.from({ length: 10 }, () =>
          served.post("/login/code/confirm", { email: user.email, code }, { "X-Forwarded-For": randomClientIp() }),
        ),
      );
      const outcomes = replies.map((r) => `${r.status} ${errorCode(r) ?? ""}`.trim());
      expect(
        outcomes.filter((o) => o === "200"),
        outcomes.join(", "),
      ).to.have.length(1);
      for (const outcome of outcomes.filter((o) => o !== "200")) {
        expect(outcome, outcomes.join(", ")).to.be.oneOf(["400 invalid_code", "429 too_many_requests"]);
      }
      expect(await sessionsOf(user.uid), "exactly one new session").to.equal(before + 1);
      const winner = replies.find((r) => r.status === 200);
      if (winner === undefined) throw new Error("no winner");
      expect((await signInWithCustomToken(authBody(winner).jwt_token)).claims.auth_methods).to.deep.equal(["email"]);
      console.log(`      (10 confirms of one code in flight: ${outcomes.join(", ")})`);
    } finally {
      await stopProcess(fn?.process);
    }
  });

  it("LOGIN_CODE_SIGNUP off (the default): an unknown address gets no mail, a made-up code is invalid_code, no account is made", async () => {
    const email = uniqueEmail("code.nosignup");
    const asked = await requestCode(email);
    expect([asked.status, asked.json]).to.deep.equal([202, { sent: true }]);
    expect(await mailsTo(email)).to.have.length(0);
    for (const code of ["123456", "000000"]) expectError(await confirmCode(email, code), 400, "invalid_code");
    expect(await accountFootprint(email)).to.deep.equal({ credentials: 0, uidIndex: 0, users: 0, authUsers: 0 });
  });

  it("LOGIN_CODE_SIGNUP=true: an unknown address gets a code; its confirmation makes a verified account without a usable password, and signs in", async () => {
    let fn: LoggedFunction | undefined;
    try {
      fn = await serveLogged(SIGNUP_PORT, { LOGIN_CODE: "true", LOGIN_CODE_SIGNUP: "true" });
      const phone = network();
      const email = uniqueEmail("code.newcomer");
      const asked = await fn.post("/login/code/request", { email }, phone);
      expect([asked.status, asked.json]).to.deep.equal([202, { sent: true }]);
      expect((await mailsTo(email)).at(-1)?.subject).to.match(SUBJECT);
      expect(await accountFootprint(email), "no account before the confirmation").to.deep.equal({
        credentials: 0,
        uidIndex: 0,
        users: 0,
        authUsers: 0,
      });

      const confirmed = await fn.post("/login/code/confirm", { email, code: await mailedCode(email), name: "Newcomer" }, phone);
      expect(confirmed.status, confirmed.text).to.equal(200);
      const body = authBody(confirmed);
      expect(body.user).to.include({ email, name: "Newcomer", email_verified: true, mfa_enabled: false });
      const uid = body.user.id;

      expect(await accountFootprint(email)).to.deep.equal({ credentials: 1, uidIndex: 1, users: 1, authUsers: 1 });
      const profile = await db().collection("users").doc(uid).get();
      expect(profile.exists, "users/{uid}").to.equal(true);
      expect(profile.get("email")).to.equal(email);
      expect((await auth().getUser(uid)).emailVerified, "the Auth user is verified").to.equal(true);
      const credential = await credentialOf(email).get();
      expect([credential.get("uid"), credential.get("email_verified")]).to.deep.equal([uid, true]);

      const app = await appSignedIn(body.jwt_token);
      expect(app.uid).to.equal(uid);
      expect(claimsOf(app.idToken).auth_methods).to.deep.equal(["email"]);
      expect(await reach(app), "the app reads its users/{uid} under the rules").to.deep.equal({ api: 200, rules: "allowed" });

      // No password was set: none signs in.
      expectError(await post("/login", { email, password }), 401, "invalid_credentials");

      const created = eventsIn(fn.output(), "account_created_by_code");
      expect(created.map((event) => event.uid)).to.deep.equal([uid]);
      for (const line of fn
        .output()
        .split("\n")
        .filter((l) => l.includes('"security":true'))) {
        expect(line, "a security event carries an email address").to.not.include(email);
      }
    } finally {
      await stopProcess(fn?.process);
    }
  });

  it("an account with an authenticator app: the code answers mfa_required; /mfa/verify with its TOTP signs in with auth_methods [email, otp, mfa]", async () => {
    const phone = network();
    const user = await signedUp("code.mfa", phone, { verified: true });
    const signedIn = { ...bearer(user.idToken), ...phone };
    const enrolled = await post("/mfa/totp/enroll", { password }, signedIn);
    expect(enrolled.status, enrolled.text).to.equal(200);
    const app = new Authenticator((enrolled.json as { secret: string }).secret);
    const activated = await post("/mfa/totp/activate", { code: await app.next() }, signedIn);
    expect(activated.status, activated.text).to.equal(200);
    const before = await sessionsOf(user.uid);

    await requestCode(user.email, phone);
    const first = await confirmCode(user.email, await mailedCode(user.email), phone);
    expect(first.status, first.text).to.equal(200);
    expect(
      Object.keys(first.json as object)
        .sort()
        .join(","),
      "no session in the first step",
    ).to.equal(MFA_KEYS);
    const challenge = first.json as { mfa_required: boolean; mfa_token: string; methods: string[] };
    expect(challenge.mfa_required).to.equal(true);
    expect(challenge.methods).to.deep.equal(["totp", "recovery_code"]);
    expect(challenge.mfa_token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(await sessionsOf(user.uid), "no session before the second factor").to.equal(before);

    const verified = await post("/mfa/verify", { mfa_token: challenge.mfa_token, code: await app.next() }, phone);
    expect(verified.status, verified.text).to.equal(200);
    expect(
      Object.keys(verified.json as object)
        .sort()
        .join(","),
    ).to.equal(VERIFIED_KEYS);
    const body = verified.json as { jwt_token: string; user: { id: string; mfa_enabled: boolean } };
    expect(body.user).to.include({ id: user.uid, mfa_enabled: true });
    const session = await appSignedIn(body.jwt_token);
    expect(claimsOf(session.idToken).auth_methods).to.deep.equal(["email", "otp", "mfa"]);
    expect(await sessionsOf(user.uid)).to.equal(before + 1);
  });

  it("an address never proved (password signup, not verified) gets no code: the same 202, no mail; a guessed code is invalid_code; the password and sessions stay", async () => {
    const phone = network();
    const unproved = await signedUp("code.unverified", phone, { verified: false });
    const asked = await requestCode(unproved.email, network());
    expect([asked.status, asked.text]).to.deep.equal([202, '{"sent":true}']);
    const signInMails = (await mailsTo(unproved.email)).filter((mail) => mail.subject.includes("sign-in code"));
    expect(signInMails, "no sign-in code mailed (its signup's verification mail only)").to.deep.equal([]);
    expectError(await confirmCode(unproved.email, "123456", network()), 400, "invalid_code", "a guessed code");
    expect((await post("/login", { email: unproved.email, password }, phone)).status, "the password still works").to.equal(200);
    expect((await post("/refresh", { refresh_token: unproved.refresh }, phone)).status, "its session goes on").to.equal(200);
  });
});
