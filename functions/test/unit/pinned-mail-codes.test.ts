import { expect } from "chai";
import { issueCode, newCode } from "../../src/domain/codes.js";
import { confirmEmailChange, requestEmailChange } from "../../src/domain/email-change.js";
import { confirmEmailVerification, requestEmailVerification, verifiedForSignIn } from "../../src/domain/email-verification.js";
import { requestPasswordReset } from "../../src/domain/password-reset.js";
import { refresh } from "../../src/domain/refresh.js";
import { signup } from "../../src/domain/signup.js";
import { AppError } from "../../src/errors.js";
import { failure, rejection } from "./failure.js";
import { MemoryThrottle, signedUpWorld, world } from "./fakes.js";
import { confirmPasswordReset, login } from "./sign-in.js";

// The mailed codes (codes.ts) and their three flows (password reset, email verification, email
// change) on the in-memory fakes, with every id, event, error and mail written out. The document
// ids are HMAC-SHA256 with the fakes' secret ("unit-test-secret-unit-test-secret!"), computed once
// with node:crypto: 'code' NUL purpose NUL email key, the email key being 'email' NUL canonical.
// Like pinned-usecases.test.ts, this file depends on test/unit/fakes.ts: adapt it when they change.

const email = "ada@example.com";
const password = "correct horse battery";
const newPassword = "a brand new passphrase";
const newEmail = "Ada.Lovelace@Example.org";

/** keys.email("ada@example.com") */
const ADA_KEY = "4b5758be0e8c20bc15de4298a27c57f85790478474c1a80b228130f4816d3bfd";
/** keys.code(purpose, ADA_KEY) for each purpose, and keys.code("password_reset", keys.email("nobody@example.com")). */
const RESET_ID = "935c4870457126cfae66ae07b01e275392f71dff95252a5b3c27071fdd625671";
const VERIFY_ID = "d98360ceebd2692ca4ff9b56d0712787b16df3150f44eac52977a7341b53795d";
const CHANGE_ID = "c396265c77fb793d86c6ecef40a5c62babd97b71efe677e9e8f1da26a822e7c4";
const NOBODY_RESET_ID = "60fed03ccc22dd09c1ffbb2a64c922a2e5ce01ee257ce8da89bbbee0e005fe5e";

const NOW = new Date("2026-11-27T12:00:00.000Z"); // the fakes' clock starts here
const EXPIRES = new Date("2026-11-27T12:15:00.000Z"); // CODE_TTL_MINUTES is 15 in the fakes

const INVALID_CODE = ["invalid_code", 400, "The code is wrong, expired or already used. Request a new one.", { field: "code" }];
const described = (error: AppError) => [error.code, error.status, error.message, error.details];

/** A throttle store whose settle() always fails (a success's follow-up). */
class NoSettle extends MemoryThrottle {
  override async settle(): Promise<boolean> {
    throw new Error("settle failed");
  }
}

type World = ReturnType<typeof world>;

const stored = (w: World, id: string) => {
  const code = w.codes.codes.get(id);
  if (code === undefined) throw new Error(`no code document ${id}`);
  return code;
};
const rejectedCodes = (w: World) => w.events.securityEvents.filter((event) => event.event === "code_rejected");
const wrongFor = (code: string) => (code === "000000" ? "000001" : "000000");
const resetConfirm = (w: World, code: string, deps = w.deps) => confirmPasswordReset({ email, code, newPassword, language: "en" }, deps);

describe("pinned: mailed codes", () => {
  it("a code is 6 digits, leading zeros kept", () => {
    const codes = Array.from({ length: 3000 }, () => newCode());
    for (const code of codes) expect(code).to.match(/^[0-9]{6}$/);
    // About a tenth start with 0 (none in 3000 draws: a probability of 0.9^3000).
    expect(codes.some((code) => code.startsWith("0"))).to.equal(true);
  });

  it("invalid_code: 400 on field code with its message, for a malformed code and for a wrong one alike", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    await requestPasswordReset({ email, language: "en" }, w.deps);
    expect(described(await failure(resetConfirm(w, "12345")))).to.deep.equal(INVALID_CODE);
    expect(described(await failure(resetConfirm(w, wrongFor(w.mailer.codeFor(email)))))).to.deep.equal(INVALID_CODE);
  });

  it("a string that is not exactly 6 digits is refused before anything is counted, read or logged", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    await requestPasswordReset({ email, language: "en" }, w.deps);
    const calls = w.faults.calls.length;
    const writes = w.throttle.writes;
    for (const code of ["12345", "1234567", "x123456", "123456x", "12a456", " 123456", ""]) {
      expect(described(await failure(resetConfirm(w, code))), JSON.stringify(code)).to.deep.equal(INVALID_CODE);
    }
    expect(w.faults.calls.length, "no store call").to.equal(calls);
    expect(w.throttle.writes, "nothing counted").to.equal(writes);
    expect(stored(w, RESET_ID).tries).to.equal(0);
    expect(rejectedCodes(w)).to.deep.equal([]);
    // A wrong code of 6 digits is counted, tried and logged.
    await failure(resetConfirm(w, wrongFor(w.mailer.codeFor(email))));
    expect(w.throttle.writes).to.equal(writes + 1);
    expect(stored(w, RESET_ID).tries).to.equal(1);
    expect(rejectedCodes(w)).to.deep.equal([{ event: "code_rejected", purpose: "password_reset" }]);
  });

  it("a stored digest of another length is a wrong code, not a crash", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    await requestPasswordReset({ email, language: "en" }, w.deps);
    stored(w, RESET_ID).digest = "abcd";
    expect(described(await failure(resetConfirm(w, w.mailer.codeFor(email))))).to.deep.equal(INVALID_CODE);
    expect(stored(w, RESET_ID).tries).to.equal(1);
  });

  it("no account: the same document, without a code, a digest or an address, for 15 minutes", async () => {
    const w = world();
    expect(await issueCode("email_change", ADA_KEY, null, NOW, w.deps, "new@example.org")).to.equal(null);
    expect(w.codes.codes.get(CHANGE_ID)).to.deep.equal({
      uid: null,
      digest: null,
      newEmail: null,
      tries: 0,
      issuedAt: NOW,
      expiresAt: EXPIRES,
    });
    const again = await failure(issueCode("email_change", ADA_KEY, null, new Date("2026-11-27T12:00:59.000Z"), w.deps));
    expect([again.code, again.status, again.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 429, 1]);
  });

  it("a wrong code is logged with its purpose, in each flow", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestPasswordReset({ email, language: "en" }, w.deps);
    await failure(resetConfirm(w, wrongFor(w.mailer.codeFor(email))));
    await requestEmailVerification(uid, { language: "en" }, w.deps);
    await failure(confirmEmailVerification(uid, { code: wrongFor(w.mailer.codeFor(email)) }, w.deps));
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    await failure(confirmEmailChange(uid, { code: wrongFor(w.mailer.codeFor(newEmail)) }, w.deps));
    expect(rejectedCodes(w)).to.deep.equal([
      { event: "code_rejected", purpose: "password_reset" },
      { event: "code_rejected", purpose: "email_verification" },
      { event: "code_rejected", purpose: "email_change" },
    ]);
    expect([...w.codes.codes.keys()]).to.deep.equal([RESET_ID, VERIFY_ID, CHANGE_ID]);
    expect([RESET_ID, VERIFY_ID, CHANGE_ID].map((id) => stored(w, id).tries)).to.deep.equal([1, 1, 1]);
  });
});

describe("pinned: password reset", () => {
  it("a known email: its code document, the event with the uid, and the mail", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestPasswordReset({ email, language: "en" }, w.deps);
    const code = w.mailer.codeFor(email);
    const { digest, ...rest } = stored(w, RESET_ID);
    expect(rest).to.deep.equal({ uid, newEmail: null, tries: 0, issuedAt: NOW, expiresAt: EXPIRES });
    expect(digest).to.match(/^[0-9a-f]{64}$/);
    expect(w.events.securityEvents).to.deep.equal([{ event: "password_reset_requested", uid }]);
    expect(w.mailer.sent.map((m) => [m.to, m.subject, m.text])).to.deep.equal([
      [
        email,
        "Acme: your password reset code",
        `Your code to reset your Acme password is ${code}\n\nIt works once, for 15 minutes. If you did not ask for it, ignore this email: your password stays as it is.`,
      ],
    ]);
  });

  it("an unknown or disabled email: the event without a uid, no mail", async () => {
    const w = world();
    await requestPasswordReset({ email: "nobody@example.com", language: "en" }, w.deps);
    expect(w.codes.codes.get(NOBODY_RESET_ID)).to.deep.equal({
      uid: null,
      digest: null,
      newEmail: null,
      tries: 0,
      issuedAt: NOW,
      expiresAt: EXPIRES,
    });
    const { w: disabled } = await signedUpWorld({ email, password, name: "Ada" });
    await disabled.store.setDisabled(ADA_KEY, true);
    await requestPasswordReset({ email, language: "en" }, disabled.deps);
    for (const one of [w, disabled]) {
      expect(one.events.securityEvents.filter((event) => event.event === "password_reset_requested")).to.deep.equal([
        { event: "password_reset_requested" },
      ]);
      expect(one.mailer.sent).to.deep.equal([]);
    }
    expect(stored(disabled, RESET_ID)).to.include({ uid: null, digest: null });
  });

  it("a wrong code reads no account", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    await requestPasswordReset({ email, language: "en" }, w.deps);
    const calls = w.faults.calls.length;
    await failure(resetConfirm(w, wrongFor(w.mailer.codeFor(email))));
    expect(w.faults.calls.slice(calls)).to.deep.equal(["throttle.record", "codes.consume"]);
  });

  it("a code of a deleted account does not reset the account signed up later with the same address", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestPasswordReset({ email, language: "en" }, w.deps);
    const code = w.mailer.codeFor(email);
    await w.store.deleteAccountRecords({ uid, emailKey: ADA_KEY });
    await w.authUsers.delete(uid);
    const later = await signup({ email, password: "another good passphrase", name: "Bea" }, w.deps);
    expect(described(await failure(resetConfirm(w, code)))).to.deep.equal(INVALID_CODE);
    expect(rejectedCodes(w)).to.deep.equal([{ event: "code_rejected", purpose: "password_reset" }]);
    expect((await login({ email, password: "another good passphrase" }, w.deps)).user.id).to.equal(later.user.id);
  });

  it("the new session is of the new epoch (1): its refresh works", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestPasswordReset({ email, language: "en" }, w.deps);
    const result = await resetConfirm(w, w.mailer.codeFor(email));
    expect(w.store.accounts.get(uid)?.sessionEpoch).to.equal(1);
    expect((await refresh({ refreshToken: result.refreshToken }, w.deps)).user.id).to.equal(uid);
  });

  it("an address that cannot be marked verified: logged, the reset stands, and the answer says unverified", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestPasswordReset({ email, language: "en" }, w.deps);
    w.authUsers.setEmailVerified = async () => {
      throw new Error("auth unreachable");
    };
    const result = await resetConfirm(w, w.mailer.codeFor(email));
    expect(result.user.emailVerified).to.equal(false);
    expect(w.events.seen).to.include(`follow_up_failed:mark_email_verified:${uid}`);
    expect(w.events.seen).to.include(`password_reset:${uid}`);
    await login({ email, password: newPassword }, w.deps);
  });

  it("a throttle that cannot settle and a notice that cannot go: both logged, the reset stands", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestPasswordReset({ email, language: "en" }, w.deps);
    const code = w.mailer.codeFor(email);
    w.faults.failAt("mailer.send");
    const result = await resetConfirm(w, code, { ...w.deps, throttle: new NoSettle(w.faults) });
    expect(result.user.id).to.equal(uid);
    expect(w.events.seen.filter((event) => event.startsWith("follow_up_failed:"))).to.have.members([
      `follow_up_failed:reset_throttle:${uid}`,
      `follow_up_failed:notify_password_reset:${uid}`,
    ]);
  });
});

describe("pinned: email verification", () => {
  const required = { sendOnSignup: false, required: true };

  /** An account made under REQUIRE_VERIFIED_EMAIL (signup answers 403 and mails a code). */
  async function unverified() {
    const w = world(required);
    await failure(signup({ email, password, name: "Ada" }, w.deps));
    const account = w.store.accounts.get([...w.store.accounts.keys()][0] ?? "");
    if (account === undefined) throw new Error("no account");
    return { w, account };
  }

  it("the code document and the mail", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailVerification(uid, { language: "en" }, w.deps);
    const code = w.mailer.codeFor(email);
    expect(stored(w, VERIFY_ID)).to.include({ uid, newEmail: null, tries: 0 });
    expect(w.mailer.sent.map((m) => [m.to, m.subject, m.text])).to.deep.equal([
      [
        email,
        "Acme: your verification code",
        `Your code to verify this email address for Acme is ${code}\n\nIt works once, for 15 minutes.`,
      ],
    ]);
  });

  it("email_not_verified: 403 with its message, no field", async () => {
    const { w, account } = await unverified();
    const refused = await failure(verifiedForSignIn(account, { language: "en" }, w.deps));
    expect(described(refused)).to.deep.equal(["email_not_verified", 403, "Confirm your email address: enter the code we sent to it.", {}]);
  });

  it("at sign-in, a mail that cannot go is the answer (not email_not_verified), an AppError as any other", async () => {
    const { w } = await unverified();
    w.clock.advance(60); // past the resend interval: a new code is due
    const outage = new Error("smtp unreachable");
    w.faults.failAt("mailer.send", outage);
    expect(await rejection(login({ email, password }, w.deps))).to.equal(outage);
    const unavailable = new AppError("unavailable", "The mail server is unreachable.");
    w.faults.failAt("mailer.send", unavailable);
    expect(await rejection(login({ email, password }, w.deps))).to.equal(unavailable);
    w.faults.heal();
    expect((await failure(login({ email, password }, w.deps))).code).to.equal("email_not_verified");
  });

  it("a throttle that cannot settle: logged, the sign-in gate and the confirm still go through", async () => {
    const gate = await unverified();
    const deps = { ...gate.w.deps, throttle: new NoSettle(gate.w.faults) };
    const verified = await verifiedForSignIn(gate.account, { code: gate.w.mailer.codeFor(email), language: "en" }, deps);
    expect(verified).to.deep.equal({ ...gate.account, emailVerified: true });
    expect(gate.w.events.seen.filter((event) => event.startsWith("follow_up_failed:"))).to.deep.equal([
      `follow_up_failed:reset_throttle:${gate.account.uid}`,
    ]);

    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailVerification(uid, { language: "en" }, w.deps);
    const user = await confirmEmailVerification(uid, { code: w.mailer.codeFor(email) }, { ...w.deps, throttle: new NoSettle(w.faults) });
    expect(user.emailVerified).to.equal(true);
    expect(w.events.seen.filter((event) => event.startsWith("follow_up_failed:"))).to.deep.equal([
      `follow_up_failed:reset_throttle:${uid}`,
    ]);
  });
});

describe("pinned: email change", () => {
  it("the code document carries the new address as typed; the events say whether it was available", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    expect(stored(w, CHANGE_ID)).to.include({ uid, newEmail, tries: 0 });
    expect(w.events.securityEvents.filter((event) => event.event === "email_change_requested")).to.deep.equal([
      { event: "email_change_requested", uid, available: true },
    ]);

    const taken = await signedUpWorld({ email, password, name: "Ada" });
    await signup({ email: newEmail, password: "another good passphrase", name: "Bea" }, taken.w.deps);
    await requestEmailChange(taken.uid, { newEmail, password, language: "en" }, taken.w.deps);
    expect(stored(taken.w, CHANGE_ID)).to.include({ uid: null, digest: null, newEmail: null });
    expect(taken.w.events.securityEvents.filter((event) => event.event === "email_change_requested")).to.deep.equal([
      { event: "email_change_requested", uid: taken.uid, available: false },
    ]);
  });

  it("the refusals' messages: the same address, an address taken", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    const same = await failure(requestEmailChange(uid, { newEmail: email, password, language: "en" }, w.deps));
    expect(described(same)).to.deep.equal(["invalid_request", 400, "This is already the account's email address.", { field: "new_email" }]);
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    const code = w.mailer.codeFor(newEmail);
    await signup({ email: newEmail, password: "another good passphrase", name: "Bea" }, w.deps);
    const taken = await failure(confirmEmailChange(uid, { code }, w.deps));
    expect(described(taken)).to.deep.equal(["email_exists", 409, "An account with this email already exists.", { field: "new_email" }]);
  });

  it("a code that carries no address moves nothing: invalid_code, logged", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    stored(w, CHANGE_ID).newEmail = null;
    expect(described(await failure(confirmEmailChange(uid, { code: w.mailer.codeFor(newEmail) }, w.deps)))).to.deep.equal(INVALID_CODE);
    expect(rejectedCodes(w)).to.deep.equal([{ event: "code_rejected", purpose: "email_change" }]);
    expect(w.store.accounts.get(uid)?.email).to.equal(email);
  });

  it("a stored address that no longer parses is refused naming new_email", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    stored(w, CHANGE_ID).newEmail = "ada.example.org";
    const refused = await failure(confirmEmailChange(uid, { code: w.mailer.codeFor(newEmail) }, w.deps));
    expect(described(refused)).to.deep.equal(["invalid_request", 400, "Enter a valid email address.", { field: "new_email" }]);
    expect(w.store.accounts.get(uid)?.email).to.equal(email);
  });

  it("a credential move that fails for another reason than a taken address is that failure, not email_exists", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    const outage = new Error("firestore unreachable");
    w.faults.failAt("accounts.changeEmail", outage);
    expect(await rejection(confirmEmailChange(uid, { code: w.mailer.codeFor(newEmail) }, w.deps))).to.equal(outage);
    expect(w.store.accounts.get(uid)?.email).to.equal(email);
  });

  it("a synced flag that cannot be written and a throttle that cannot settle: both logged, the change stands", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    w.faults.failAt("accounts.setAuthUserSynced");
    const result = await confirmEmailChange(uid, { code: w.mailer.codeFor(newEmail) }, { ...w.deps, throttle: new NoSettle(w.faults) });
    expect(result.user).to.include({ id: uid, email: newEmail, emailVerified: true });
    expect(w.events.seen.filter((event) => event.startsWith("follow_up_failed:"))).to.have.members([
      `follow_up_failed:mark_auth_user_synced:${uid}`,
      `follow_up_failed:reset_throttle:${uid}`,
    ]);
    expect(w.store.accounts.get(uid)?.authUserSynced).to.equal(false);
  });
});
