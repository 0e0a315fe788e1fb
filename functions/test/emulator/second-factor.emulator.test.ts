import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { generate } from "otplib";
import { serveFunction, stopProcess } from "./framework.js";
import {
  authBody,
  bearer,
  credentialOf,
  db,
  errorCode,
  mailedCode,
  mailsTo,
  post,
  type Reply,
  randomClientIp,
  send,
  signInWithCustomToken,
  uniqueEmail,
} from "./helpers.js";

// The second factor (issue 24) over HTTP, exactly as a FlutterFlow app calls it: JSON bodies,
// `Authorization: Bearer <Firebase ID token>`, the custom token exchanged at the Auth emulator.
// The authenticator app is played by otplib, an implementation independent of the server's
// (`otpauth`), fed with the `secret` the enrolment answers.
//
// Each test's user has one "phone": a client address of its own (X-Forwarded-For) for its
// signup, logins and codes, as a real app on one network would have. Its signup makes that
// network trusted for the account, so the account-wide throttle (10 failures an hour from
// untrusted networks) never adds up across a test's steps; where many attempts are the point
// (wrong codes, concurrent verifies) each comes from an address of its own instead.
const password = "correct horse battery staple";
const newPassword = "a brand new passphrase";
const ADMIN_ROLE_ID = 9; // the default of ADMIN_ROLE_ID
const PERIOD = 30;
const RACE_PORT = 8302; // the Functions Framework instance of the concurrency test (other files use 8290-8301)
const RECOVERY_CODE = /^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/;
/** The keys of POST /mfa/verify's 200 body: the login body and the recovery codes left. */
const VERIFIED_KEYS = "expires_in,jwt_token,mfa_required,recovery_codes_left,refresh_token,token_type,user";

const stepOf = (ms: number): number => Math.floor(ms / 1000 / PERIOD);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The code an authenticator app shows during `step` (RFC 6238: SHA-1, 6 digits, 30 s), by otplib. */
const codeAt = (secret: string, step: number): Promise<string> =>
  generate({ secret, epoch: step * PERIOD, algorithm: "sha1", digits: 6, period: PERIOD });

/**
 * The authenticator app of one account, and the last step the server accepted a code of: a
 * step can be used once, and only a later one after it. The server takes the current step and
 * one either side, so up to three codes go without any wait (the step before, the current one,
 * the one after).
 */
class Authenticator {
  private lastStep = Number.NEGATIVE_INFINITY;
  constructor(readonly secret: string) {}

  /** A code the server accepts now (the earliest step it still takes), marked as used. */
  async next(): Promise<{ readonly code: string; readonly step: number }> {
    for (;;) {
      const now = Date.now();
      const current = stepOf(now);
      const untilNext = (current + 1) * PERIOD * 1000 - now;
      let step = Math.max(this.lastStep + 1, current - 1);
      // A code of the step before dies at the next boundary: too close to it, the current one.
      if (step === current - 1 && untilNext < 5000) step = current;
      if (step <= current + 1) {
        this.lastStep = step;
        return { code: await codeAt(this.secret, step), step };
      }
      // Every step the server would take now is used: wait for the next 30-second boundary
      // (at most 30 s) - the only place this file waits for the clock.
      await sleep(untilNext + 100);
    }
  }

  /** Codes of every step the server would accept now, used or not (for a code that is surely wrong). */
  async window(): Promise<string[]> {
    const current = stepOf(Date.now());
    return Promise.all([current - 2, current - 1, current, current + 1, current + 2].map((step) => codeAt(this.secret, step)));
  }

  /** A well-formed code that is not the secret's in or near the window: the next-but-four step's, or any other. */
  async wrong(): Promise<string> {
    const near = await this.window();
    const far = await codeAt(this.secret, stepOf(Date.now()) + 5);
    if (!near.includes(far)) return far;
    for (let n = 0; ; n++) {
      const candidate = String(n).padStart(6, "0");
      if (!near.includes(candidate)) return candidate;
    }
  }

  /** Checks that a code of `step` is still inside the server's window (so a refusal of it is not about time). */
  static inWindow(step: number): void {
    const current = stepOf(Date.now());
    expect(Math.abs(current - step), "the code is still inside the server's window").to.be.at.most(1);
  }
}

/** One device's network: a client address of its own. */
const network = () => ({ "X-Forwarded-For": randomClientIp() });

/** The first-step body of an account with a factor, after checking it has exactly its three keys. */
function mfaRequired(reply: Reply): string {
  expect(reply.status, reply.text).to.equal(200);
  const body = reply.json as { mfa_required: boolean; mfa_token: string; methods: string[] };
  expect(Object.keys(body).sort().join(","), "no session in the first step").to.equal("methods,mfa_required,mfa_token");
  expect(body.mfa_required).to.equal(true);
  expect(body.methods).to.deep.equal(["totp", "recovery_code"]);
  expect(body.mfa_token).to.match(/^[A-Za-z0-9_-]{43}$/);
  return body.mfa_token;
}

interface VerifiedBody {
  user: { id: string; email: string; mfa_enabled: boolean };
  jwt_token: string;
  refresh_token: string;
  mfa_required: false;
  recovery_codes_left: number;
}

/** POST /mfa/verify's signed-in body, after checking its status and keys. */
function verified(reply: Reply): VerifiedBody {
  expect(reply.status, reply.text).to.equal(200);
  const body = reply.json as VerifiedBody;
  expect(Object.keys(body).sort().join(",")).to.equal(VERIFIED_KEYS);
  expect(body.mfa_required).to.equal(false);
  return body;
}

const expectError = (reply: Reply, status: number, code: string, what?: string) =>
  expect([reply.status, errorCode(reply)], what ?? reply.text).to.deep.equal([status, code]);

const me = (idToken: string, phone: Record<string, string> = {}) =>
  send("/me", { method: "GET", headers: { ...bearer(idToken), ...phone } });
const login = (email: string, pw: string, phone: Record<string, string> = {}) => post("/login", { email, password: pw }, phone);
const verify = (body: Record<string, string>, phone: Record<string, string> = {}) => post("/mfa/verify", body, phone);
const sessionsOf = async (uid: string): Promise<number> => (await db().collection("auth_sessions").where("uid", "==", uid).get()).size;
const subjects = async (email: string): Promise<string[]> => (await mailsTo(email)).map((mail) => mail.subject);

/** Signs up as the app does, from `phone`; returns what it holds. */
async function signedUp(tag: string, phone: Record<string, string>, options: { readonly verified: boolean } = { verified: true }) {
  const email = uniqueEmail(tag);
  const body = authBody(await post("/signup", { email, password, name: tag }, phone));
  const session = await signInWithCustomToken(body.jwt_token);
  // A second factor needs a proved address: the code the signup mailed, confirmed as the app does.
  if (options.verified) await verifyAddress(email, session.idToken, phone);
  return { email, uid: body.user.id, idToken: session.idToken, refresh: body.refresh_token, body, claims: session.claims };
}

async function verifyAddress(email: string, idToken: string, phone: Record<string, string>): Promise<void> {
  const confirmed = await post("/email/verify/confirm", { code: await mailedCode(email) }, { ...bearer(idToken), ...phone });
  expect(confirmed.json, confirmed.text).to.have.nested.property("user.email_verified", true);
}

/** A signed-up user who turned the authenticator on (enrol, activate), from one phone. */
async function withFactor(tag: string) {
  const phone = network();
  const user = await signedUp(tag, phone);
  const enrolled = await post("/mfa/totp/enroll", { password }, { ...bearer(user.idToken), ...phone });
  expect(enrolled.status, enrolled.text).to.equal(200);
  const app = new Authenticator((enrolled.json as { secret: string }).secret);
  const activation = await app.next();
  const activated = await post("/mfa/totp/activate", { code: activation.code }, { ...bearer(user.idToken), ...phone });
  expect(activated.status, activated.text).to.equal(200);
  const recoveryCodes = (activated.json as { recovery_codes: string[] }).recovery_codes;
  return { ...user, phone, app, recoveryCodes, activation };
}

describe("second factor: authenticator app and recovery codes (emulators, over HTTP)", () => {
  it("enrol (password again) -> secret and otpauth URL; not active before a first code; activate -> 10 recovery codes, a notice, /me says mfa_enabled; a second enrolment is refused", async () => {
    const phone = network();
    const user = await signedUp("enrol", phone, { verified: false });
    const auth = { ...bearer(user.idToken), ...phone };

    // An address never proved first: a reset of it would hand the account to the mailbox's owner.
    expectError(await post("/mfa/totp/enroll", { password }, auth), 403, "email_not_verified");
    await verifyAddress(user.email, user.idToken, phone);
    expectError(await post("/mfa/totp/enroll", { password: "not the password at all" }, auth), 401, "invalid_credentials");
    const enrolled = await post("/mfa/totp/enroll", { password }, auth);
    expect(enrolled.status, enrolled.text).to.equal(200);
    const { secret, otpauth_url } = enrolled.json as { secret: string; otpauth_url: string };
    expect(secret).to.match(/^[A-Z2-7]{32}$/);
    expect(otpauth_url.startsWith("otpauth://totp/"), otpauth_url).to.equal(true);
    const url = new URL(otpauth_url);
    const issuer = url.searchParams.get("issuer") ?? "";
    expect(issuer).to.not.equal("");
    expect(decodeURIComponent(url.pathname)).to.equal(`/${issuer}:${user.email}`);
    expect(Object.fromEntries(url.searchParams)).to.deep.equal({ issuer, secret, algorithm: "SHA1", digits: "6", period: "30" });

    // Not on before its first code: a login signs in directly.
    const direct = authBody(await login(user.email, password, phone));
    expect([direct.mfa_required, direct.user.mfa_enabled]).to.deep.equal([false, false]);

    const app = new Authenticator(secret);
    expectError(await post("/mfa/totp/activate", { code: await app.wrong() }, auth), 400, "invalid_code");
    expect((await me(user.idToken, phone)).json).to.have.nested.property("user.mfa_enabled", false);
    const activated = await post("/mfa/totp/activate", { code: (await app.next()).code }, auth);
    expect(activated.status, activated.text).to.equal(200);
    const codes = (activated.json as { recovery_codes: string[] }).recovery_codes;
    expect(codes).to.have.length(10);
    expect(new Set(codes).size).to.equal(10);
    for (const code of codes) expect(code).to.match(RECOVERY_CODE);
    expect(await subjects(user.email)).to.satisfy((all: string[]) => all.some((s) => /two-step sign-in was turned on$/.test(s)));

    const after = await me(user.idToken, phone);
    expect(after.status, "the session of the password goes on").to.equal(200);
    expect(after.json).to.have.nested.property("user.mfa_enabled", true);
    expectError(await post("/mfa/totp/enroll", { password }, auth), 409, "mfa_already_enabled");
    expectError(await post("/mfa/totp/activate", { code: (await app.window())[2] ?? "" }, auth), 409, "mfa_already_enabled");
  });

  it("login -> mfa_required and an mfa_token, no session; verify -> signed in with auth_methods [pwd, otp, mfa]; the token is single use; a used code is refused on a new token; /refresh keeps auth_methods", async () => {
    const user = await withFactor("signin");
    const sessions = await sessionsOf(user.uid);
    const first = mfaRequired(await login(user.email, password, user.phone));
    expect(await sessionsOf(user.uid), "no session before the second step").to.equal(sessions);

    expectError(await verify({ mfa_token: first, code: await user.app.wrong() }, user.phone), 400, "invalid_code");
    Authenticator.inWindow(user.activation.step);
    expectError(
      await verify({ mfa_token: first, code: user.activation.code }, user.phone),
      400,
      "invalid_code",
      "the activation's code again",
    );
    const { code, step } = await user.app.next();
    const body = verified(await verify({ mfa_token: first, code }, user.phone));
    expect(body.recovery_codes_left).to.equal(10);
    expect([body.user.id, body.user.email, body.user.mfa_enabled]).to.deep.equal([user.uid, user.email, true]);
    const session = await signInWithCustomToken(body.jwt_token);
    expect(session.localId).to.equal(user.uid);
    expect(session.claims.auth_methods).to.deep.equal(["pwd", "otp", "mfa"]);
    expect((await me(session.idToken, user.phone)).status).to.equal(200);
    expect(await sessionsOf(user.uid)).to.equal(sessions + 1);

    // The token is spent, even with another code the server would take (used on a new token below).
    const another = await user.app.next();
    expectError(await verify({ mfa_token: first, code: another.code }, user.phone), 401, "invalid_mfa_token");

    // A code replayed (its step already used) on a new login's token.
    const second = mfaRequired(await login(user.email, password, user.phone));
    Authenticator.inWindow(step);
    expectError(await verify({ mfa_token: second, code }, user.phone), 400, "invalid_code", "replay");
    // ... while the other code, never accepted, is (so the 401 above was about the token).
    const again = verified(await verify({ mfa_token: second, code: another.code }, user.phone));
    expect((await signInWithCustomToken(again.jwt_token)).claims.auth_methods).to.deep.equal(["pwd", "otp", "mfa"]);

    const refreshed = authBody(await post("/refresh", { refresh_token: body.refresh_token }, user.phone));
    const next = await signInWithCustomToken(refreshed.jwt_token);
    expect([next.localId, next.claims.auth_methods]).to.deep.equal([user.uid, ["pwd", "otp", "mfa"]]);
  });

  it("a recovery code (typed lower case with spaces) signs in with auth_methods [pwd, mfa], 9 left, a notice mail; it works once", async () => {
    const user = await withFactor("recovery");
    const [used] = user.recoveryCodes;
    if (used === undefined) throw new Error("no recovery code");
    const typed = ` ${used.toLowerCase().replaceAll("-", " ")} `;
    const mails = (await mailsTo(user.email)).length;

    const token = mfaRequired(await login(user.email, password, user.phone));
    const body = verified(await verify({ mfa_token: token, recovery_code: typed }, user.phone));
    expect(body.recovery_codes_left).to.equal(9);
    const session = await signInWithCustomToken(body.jwt_token);
    expect([session.localId, session.claims.auth_methods]).to.deep.equal([user.uid, ["pwd", "mfa"]]);
    const notices = (await mailsTo(user.email)).slice(mails);
    expect(notices.map((m) => m.subject)).to.satisfy((s: string[]) => s.length === 1 && /a recovery code was used$/.test(s[0] ?? ""));
    expect(notices[0]?.text).to.include("Recovery codes left: 9");

    const again = mfaRequired(await login(user.email, password, user.phone));
    expectError(await verify({ mfa_token: again, recovery_code: used }, user.phone), 400, "invalid_code", "a used recovery code");
    // Another one still works on that same token.
    expect(
      verified(await verify({ mfa_token: again, recovery_code: user.recoveryCodes[1] ?? "" }, user.phone)).recovery_codes_left,
    ).to.equal(8);
  });

  it("an mfa_token dies after 5 wrong codes: the right code then gets invalid_mfa_token", async () => {
    const user = await withFactor("tries");
    const token = mfaRequired(await login(user.email, password, user.phone));
    const wrong = await user.app.wrong();
    // Each from its own address (post's default): what is tested is the token's count, not the throttle's.
    for (let i = 1; i <= 5; i++) expectError(await verify({ mfa_token: token, code: wrong }), 400, "invalid_code", `wrong code ${i}`);
    const { code } = await user.app.next();
    expectError(await verify({ mfa_token: token, code }, user.phone), 401, "invalid_mfa_token");
    // The code itself was good: a new login's token takes it (the dead token did not use it).
    const fresh = mfaRequired(await login(user.email, password, user.phone));
    verified(await verify({ mfa_token: fresh, code }, user.phone));
  });

  it("10 concurrent verifies of one mfa_token with valid codes (one instance, as production serves them): exactly one session; one code on two tokens at once: one session", async () => {
    // The Functions emulator starts a worker per concurrent request, which staggers a race away;
    // production serves them together in one instance, as the Functions Framework does here.
    const fn = await serveFunction(RACE_PORT);
    try {
      const warm = await fn.post("/mfa/verify", { mfa_token: randomBytes(32).toString("base64url"), code: "123456" });
      expectError(warm, 401, "invalid_mfa_token");
      const user = await withFactor("race");
      const token = mfaRequired(await login(user.email, password, user.phone));
      const before = await sessionsOf(user.uid);
      // Valid codes of every step the server takes now and has not seen (the current one and the next).
      const codes = [(await user.app.next()).code, (await user.app.next()).code];
      // Each from its own address, so no throttle stands between them and the store.
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fn.post("/mfa/verify", { mfa_token: token, code: codes[i % 2] ?? "" }, { "X-Forwarded-For": randomClientIp() }),
        ),
      );
      const outcomes = replies.map((r) => `${r.status} ${errorCode(r) ?? ""}`.trim());
      expect(
        outcomes.filter((o) => o === "200"),
        outcomes.join(", "),
      ).to.have.length(1);
      for (const outcome of outcomes.filter((o) => o !== "200")) {
        expect(outcome, outcomes.join(", ")).to.be.oneOf(["400 invalid_code", "401 invalid_mfa_token"]);
      }
      expect(await sessionsOf(user.uid), "exactly one new session").to.equal(before + 1);
      const winner = replies.find((r) => r.status === 200);
      if (winner === undefined) throw new Error("no winner");
      expect((await signInWithCustomToken(verified(winner).jwt_token)).claims.auth_methods).to.deep.equal(["pwd", "otp", "mfa"]);
      console.log(`      (10 verifies of one token in flight: ${outcomes.join(", ")})`);

      // One code (a double tap, or an attacker who saw it) on two sign-ins' tokens at once.
      const other = await withFactor("race2");
      const tokens = [
        mfaRequired(await login(other.email, password, other.phone)),
        mfaRequired(await login(other.email, password, other.phone)),
      ];
      const otherBefore = await sessionsOf(other.uid);
      const { code } = await other.app.next();
      const both = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fn.post("/mfa/verify", { mfa_token: tokens[i % 2] ?? "", code }, { "X-Forwarded-For": randomClientIp() }),
        ),
      );
      const bothOutcomes = both.map((r) => `${r.status} ${errorCode(r) ?? ""}`.trim());
      expect(
        bothOutcomes.filter((o) => o === "200"),
        bothOutcomes.join(", "),
      ).to.have.length(1);
      for (const outcome of bothOutcomes.filter((o) => o !== "200")) {
        expect(outcome, bothOutcomes.join(", ")).to.be.oneOf(["400 invalid_code", "401 invalid_mfa_token"]);
      }
      expect(await sessionsOf(other.uid), "one code, one session").to.equal(otherBefore + 1);
      console.log(`      (one code on two tokens, 10 verifies in flight: ${bothOutcomes.join(", ")})`);
    } finally {
      await stopProcess(fn.process);
    }
  });

  it("step-up: a password change or a deletion without a code -> 403 second_factor_required and nothing changes; with a code the change signs in with mfa", async () => {
    const user = await withFactor("stepup");
    const auth = { ...bearer(user.idToken), ...user.phone };

    const pending = mfaRequired(await login(user.email, password, user.phone)); // a sign-in half-way when the password changes
    const moved = await post("/email/change/request", { new_email: uniqueEmail("moved"), password }, auth);
    expectError(moved, 403, "second_factor_required", "an email change without a code");
    const refused = await post("/password/change", { current_password: password, new_password: newPassword }, auth);
    expectError(refused, 403, "second_factor_required");
    expect(refused.json).to.not.have.nested.property("jwt_token");
    mfaRequired(await login(user.email, password, user.phone)); // the old password still works
    expectError(await login(user.email, newPassword), 401, "invalid_credentials", "the new password was not set");
    expect((await me(user.idToken, user.phone)).status, "the session goes on").to.equal(200);

    const changed = authBody(
      await post("/password/change", { current_password: password, new_password: newPassword, code: (await user.app.next()).code }, auth),
    );
    expect([changed.user.id, changed.user.mfa_enabled]).to.deep.equal([user.uid, true]);
    const session = await signInWithCustomToken(changed.jwt_token);
    expect(session.claims.auth_methods).to.include("mfa");
    expect(session.claims.auth_methods).to.deep.equal(["pwd", "otp", "mfa"]);
    expectError(await login(user.email, password), 401, "invalid_credentials", "the old password is gone");
    // The old password's half-done sign-in died with it, even with a code the server would take ...
    const late = await user.app.next();
    expectError(await verify({ mfa_token: pending, code: late.code }, user.phone), 401, "invalid_mfa_token", "the old password's token");
    // ... which a sign-in with the new password does take.
    verified(await verify({ mfa_token: mfaRequired(await login(user.email, newPassword, user.phone)), code: late.code }, user.phone));

    const deletion = await post("/account/delete", { password: newPassword }, { ...bearer(session.idToken), ...user.phone });
    expectError(deletion, 403, "second_factor_required");
    expect((await me(session.idToken, user.phone)).status, "the account is still there").to.equal(200);
    expect((await credentialOf(user.email).get()).get("disabled") ?? false, "not even disabled").to.equal(false);
    mfaRequired(await login(user.email, newPassword, user.phone));
  });

  it("a password reset of an account with a factor sets the password but answers mfa_required (no session); verify signs in", async () => {
    const user = await withFactor("reset");
    expect((await post("/password/reset/request", { email: user.email }, user.phone)).status).to.equal(202);
    const code = await mailedCode(user.email);
    const reset = await post("/password/reset/confirm", { email: user.email, code, new_password: newPassword }, user.phone);
    const token = mfaRequired(reset);
    expect(await sessionsOf(user.uid), "the reset ended every session and made none").to.equal(0);
    expectError(await post("/refresh", { refresh_token: user.refresh }), 401, "invalid_refresh_token");

    mfaRequired(await login(user.email, newPassword, user.phone));
    expectError(await login(user.email, password, user.phone), 401, "invalid_credentials", "the old password");

    const body = verified(await verify({ mfa_token: token, code: (await user.app.next()).code }, user.phone));
    const session = await signInWithCustomToken(body.jwt_token);
    expect([session.localId, session.claims.auth_methods]).to.deep.equal([user.uid, ["pwd", "otp", "mfa"]]);
    expect((await me(session.idToken, user.phone)).status).to.equal(200);
  });

  it("turning it off needs the password and a code; then logins sign in directly and new recovery codes are refused", async () => {
    const user = await withFactor("disable");
    const auth = { ...bearer(user.idToken), ...user.phone };

    expectError(await post("/mfa/totp/disable", { password }, auth), 403, "second_factor_required");
    expectError(await post("/mfa/totp/disable", { password: "not the password at all", code: "123456" }, auth), 401, "invalid_credentials");
    expect((await me(user.idToken, user.phone)).json).to.have.nested.property("user.mfa_enabled", true);
    const mails = (await mailsTo(user.email)).length;

    const off = await post("/mfa/totp/disable", { password, code: (await user.app.next()).code }, auth);
    expect([off.status, off.json], off.text).to.deep.equal([200, { mfa_enabled: false }]);
    expect((await mailsTo(user.email)).slice(mails).map((m) => m.subject)).to.satisfy(
      (s: string[]) => s.length === 1 && /two-step sign-in was turned off$/.test(s[0] ?? ""),
    );

    expect((await credentialOf(user.email).get()).get("mfa") ?? null, "the secret and the recovery digests are gone").to.equal(null);
    const direct = authBody(await login(user.email, password, user.phone));
    expect([direct.mfa_required, direct.user.mfa_enabled]).to.deep.equal([false, false]);
    const session = await signInWithCustomToken(direct.jwt_token);
    expect(session.claims.auth_methods).to.deep.equal(["pwd"]);
    const renew = await post(
      "/mfa/recovery-codes",
      { code: (await user.app.window())[2] ?? "" },
      { ...bearer(session.idToken), ...user.phone },
    );
    expectError(renew, 409, "mfa_not_enabled");
  });

  it("new recovery codes (with a code): 10 new ones; an old one is refused at verify, a new one signs in", async () => {
    const user = await withFactor("renew");
    const auth = { ...bearer(user.idToken), ...user.phone };
    expectError(await post("/mfa/recovery-codes", {}, auth), 403, "second_factor_required");

    const renewed = await post("/mfa/recovery-codes", { code: (await user.app.next()).code }, auth);
    expect(renewed.status, renewed.text).to.equal(200);
    const fresh = (renewed.json as { recovery_codes: string[] }).recovery_codes;
    expect(fresh).to.have.length(10);
    expect(new Set(fresh).size).to.equal(10);
    for (const code of fresh) expect(code).to.match(RECOVERY_CODE);
    expect(fresh.filter((code) => user.recoveryCodes.includes(code))).to.deep.equal([]);

    const token = mfaRequired(await login(user.email, password, user.phone));
    expectError(
      await verify({ mfa_token: token, recovery_code: user.recoveryCodes[0] ?? "" }, user.phone),
      400,
      "invalid_code",
      "an old code",
    );
    const body = verified(await verify({ mfa_token: token, recovery_code: fresh[0] ?? "" }, user.phone));
    expect(body.recovery_codes_left).to.equal(9);
    expect((await signInWithCustomToken(body.jwt_token)).claims.auth_methods).to.deep.equal(["pwd", "mfa"]);
  });

  it("an administrator removes a user's factor (a non-admin cannot); the user then signs in with the password alone", async () => {
    const user = await withFactor("lost");
    const adminEmail = uniqueEmail("mfaadmin");
    expect((await post("/signup", { email: adminEmail, password })).status).to.equal(201);
    await credentialOf(adminEmail).update({ role_id: ADMIN_ROLE_ID }); // the first admin is made by hand
    const admin = await signInWithCustomToken(authBody(await login(adminEmail, password)).jwt_token);
    expect(admin.claims.role_id).to.equal(ADMIN_ROLE_ID);

    const denied = await post(`/admin/users/${user.uid}/mfa/disable`, {}, { ...bearer(user.idToken), ...user.phone });
    expectError(denied, 403, "forbidden");
    mfaRequired(await login(user.email, password, user.phone)); // still on
    const mails = (await mailsTo(user.email)).length;

    const removed = await post(`/admin/users/${user.uid}/mfa/disable`, {}, bearer(admin.idToken));
    expect([removed.status, removed.json], removed.text).to.deep.equal([200, { mfa_enabled: false }]);
    expect((await mailsTo(user.email)).slice(mails).map((m) => m.subject)).to.satisfy(
      (s: string[]) => s.length === 1 && /two-step sign-in was turned off$/.test(s[0] ?? ""),
    );
    const direct = authBody(await login(user.email, password, user.phone));
    expect([direct.mfa_required, direct.user.mfa_enabled]).to.deep.equal([false, false]);
    expect((await signInWithCustomToken(direct.jwt_token)).claims.auth_methods).to.deep.equal(["pwd"]);
  });

  it("an account without a factor is unchanged: mfa_required false, auth_methods [pwd]; /mfa/verify refuses a made-up token and a body without a code", async () => {
    const phone = network();
    const user = await signedUp("plain", phone);
    expect([user.body.mfa_required, user.body.user.mfa_enabled]).to.deep.equal([false, false]);
    expect(user.claims.auth_methods).to.deep.equal(["pwd"]);
    const body = authBody(await login(user.email, password, phone));
    expect([body.mfa_required, body.user.mfa_enabled]).to.deep.equal([false, false]);
    expect((await signInWithCustomToken(body.jwt_token)).claims.auth_methods).to.deep.equal(["pwd"]);
    expect((await me(user.idToken, phone)).json).to.have.nested.property("user.mfa_enabled", false);

    const madeUp = randomBytes(32).toString("base64url"); // the shape of a real one
    expect(madeUp).to.have.length(43);
    expectError(await verify({ mfa_token: madeUp, code: "123456" }), 401, "invalid_mfa_token");
    expectError(await verify({ mfa_token: madeUp, recovery_code: "ABCD-EFGH-JKLM-NPQR" }), 401, "invalid_mfa_token");
    expectError(await verify({ mfa_token: madeUp }), 400, "invalid_request");
    expectError(await verify({ mfa_token: madeUp, code: "", recovery_code: "" }), 400, "invalid_request");
    expectError(await verify({ mfa_token: madeUp, code: "123456", recovery_code: "ABCD-EFGH-JKLM-NPQR" }), 400, "invalid_request");
    // An account without a factor: step-up asks nothing.
    expectError(await post("/mfa/recovery-codes", {}, { ...bearer(user.idToken), ...phone }), 409, "mfa_not_enabled");
  });

  it("nothing secret is stored in clear: the TOTP secret is sealed (v1.), the recovery codes are digests", async () => {
    const phone = network();
    const user = await signedUp("sealed", phone);
    const auth = { ...bearer(user.idToken), ...phone };
    const enrolled = await post("/mfa/totp/enroll", { password }, auth);
    const { secret } = enrolled.json as { secret: string };
    const forms = (s: string) => [s, s.toLowerCase()];

    const pending = (await credentialOf(user.email).get()).data() ?? {};
    expect(pending).to.have.nested.property("mfa_pending.totp_secret").that.matches(/^v1\./);
    for (const form of forms(secret)) expect(JSON.stringify(pending), "pending: the secret in clear").to.not.include(form);

    const app = new Authenticator(secret);
    const activated = await post("/mfa/totp/activate", { code: (await app.next()).code }, auth);
    const codes = (activated.json as { recovery_codes: string[] }).recovery_codes;
    expect(codes).to.have.length(10);
    const stored = (await credentialOf(user.email).get()).data() ?? {};
    const mfa = stored.mfa as { totp_secret: string; recovery_digests: string[] };
    expect(mfa.totp_secret).to.match(/^v1\./);
    expect(mfa.totp_secret).to.not.include(secret);
    expect(mfa.recovery_digests).to.have.length(10);
    const whole = JSON.stringify(stored);
    for (const form of forms(secret)) expect(whole, "the secret in clear").to.not.include(form);
    for (const code of codes) {
      for (const form of [code, code.replaceAll("-", ""), code.toLowerCase(), code.replaceAll("-", "").toLowerCase()]) {
        expect(whole, "a recovery code in clear").to.not.include(form);
      }
    }
  });
});
