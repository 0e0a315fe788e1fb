import { expect } from "chai";
import { HOTP, Secret } from "otpauth";
import { deleteAccount } from "../../src/domain/account.js";
import { type AuthResult, isMfaRequired, type MfaRequired } from "../../src/domain/auth-result.js";
import { confirmLoginCode, requestLoginCode } from "../../src/domain/login-code.js";
import { refresh } from "../../src/domain/refresh.js";
import { activateTotp, enrollTotp, verifyMfa } from "../../src/domain/second-factor.js";
import { totpStep } from "../../src/domain/totp.js";
import { AppError } from "../../src/errors.js";
import { failure } from "./failure.js";
import { signedUpWorld, world } from "./fakes.js";
import { login } from "./sign-in.js";

const email = "ada@example.com";
const password = "correct horse battery";
const language = "en" as const;
type World = ReturnType<typeof world>;

const request = (w: World, address = email, deps = w.deps) => requestLoginCode({ email: address, language }, deps);
const confirm = (w: World, code: string, address = email, deps = w.deps, clientNetwork?: string) =>
  confirmLoginCode({ email: address, code, language, clientNetwork }, deps);
const session = (result: AuthResult | MfaRequired): AuthResult => {
  if (isMfaRequired(result)) throw new Error("expected a session");
  return result;
};
const withSignup = (w: World) => ({ ...w.deps, loginCode: { enabled: true, signup: true } });
const other = (code: string) => (code === "000000" ? "000001" : "000000");

function markVerified(w: World, uid: string): void {
  const account = w.store.accounts.get(uid);
  if (account === undefined) throw new Error("no account");
  w.store.accounts.set(uid, { ...account, emailVerified: true });
}

describe("sign-in by emailed code (use cases, in-memory fakes, manual clock)", () => {
  it("a verified account: the code in its language signs in, once, with auth_methods [email]; the password still works", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    markVerified(w, uid);
    await requestLoginCode({ email: "ADA@example.com", language: "fr" }, w.deps);
    expect(w.mailer.sent.map((mail) => mail.subject)).to.deep.equal(["Acme : votre code de connexion"]);
    const code = w.mailer.codeFor(email);
    expect([...w.codes.codes.values()][0]?.digest, "only a digest is stored").to.not.include(code);

    const result = session(await confirm(w, code));
    expect(result.user).to.include({ id: uid, name: "Ada", emailVerified: true });
    expect(w.minter.minted.at(-1)?.claims).to.deep.include({ auth_methods: ["email"] });
    // Single use.
    expect((await failure(confirm(w, code))).code).to.equal("invalid_code");
    // A refresh keeps the method; the password was not touched.
    await refresh({ refreshToken: result.refreshToken }, w.deps);
    expect(w.minter.minted.at(-1)?.claims).to.deep.include({ auth_methods: ["email"] });
    await login({ email, password }, w.deps);
  });

  it("an unknown address (LOGIN_CODE_SIGNUP off) or a disabled account: the same outcome, no mail, the same resend interval; a guessed code fits nothing", async () => {
    const w = world();
    await request(w, "nobody@example.com");
    expect(w.mailer.sent).to.have.length(0);
    const again = await failure(request(w, "nobody@example.com"));
    expect([again.code, again.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 60]);
    expect((await failure(confirm(w, "123456", "nobody@example.com"))).code).to.equal("invalid_code");
    expect(w.store.accounts.size).to.equal(0);

    const { w: d } = await signedUpWorld({ email, password, name: "Ada" });
    await d.store.setDisabled(d.keys.email(email), true);
    await request(d);
    expect(d.mailer.sent.filter((mail) => mail.subject.includes("sign-in"))).to.have.length(0);
    expect(d.events.securityEvents.filter((event) => event.event === "login_code_requested")).to.deep.equal([
      { event: "login_code_requested" },
    ]);
  });

  it("LOGIN_CODE_SIGNUP: an unknown address gets a code; its confirmation makes the account, verified, with no usable password, and signs in", async () => {
    const w = world();
    const deps = withSignup(w);
    await request(w, "New.Person@example.com", deps);
    expect(w.mailer.sent).to.have.length(1);
    const result = session(
      await confirmLoginCode(
        { email: "new.person@example.com", code: w.mailer.codeFor("New.Person@example.com"), name: "Neo", language },
        deps,
      ),
    );
    expect(result.user).to.include({ name: "Neo", email: "new.person@example.com", emailVerified: true, roleId: 1 });
    const uid = result.user.id;
    expect(w.store.accounts.get(uid)).to.include({ emailVerified: true, authUserSynced: true });
    expect(w.store.users.get(uid)?.email, "the address as typed in the confirmation").to.equal("new.person@example.com");
    expect(w.authUsers.users.get(uid)).to.include({ email: "new.person@example.com", emailVerified: true });
    expect(w.events.seen).to.include(`account_created_by_code:${uid}`);
    // No password works: not "", not the code.
    for (const guess of ["", w.mailer.codeFor("New.Person@example.com"), "correct horse battery"]) {
      expect((await failure(login({ email: "new.person@example.com", password: guess }, w.deps))).code).to.be.oneOf([
        "invalid_credentials",
        "invalid_request",
      ]);
    }
  });

  it('the name is checked before the code is used: a bad one is a 400 that leaves the code working; "" (an unbound variable) is no name', async () => {
    const w = world();
    const deps = withSignup(w);
    await request(w, email, deps);
    const code = w.mailer.codeFor(email);
    const bad = await failure(confirmLoginCode({ email, code, name: "null", language }, deps));
    expect([bad.code, bad.details.field]).to.deep.equal(["invalid_request", "name"]);
    const made = session(await confirmLoginCode({ email, code, name: " ", language }, deps));
    expect(made.user.name).to.equal("ada");
  });

  it("a code sign-in finishes an account whose Auth user step was not confirmed (no password login would)", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    markVerified(w, uid);
    const account = w.store.accounts.get(uid);
    if (account === undefined) throw new Error("no account");
    w.store.accounts.set(uid, { ...account, authUserSynced: false });
    w.authUsers.users.delete(uid);
    await request(w);
    session(await confirm(w, w.mailer.codeFor(email)));
    expect(w.authUsers.users.get(uid)).to.include({ email, emailVerified: true });
    expect(w.store.accounts.get(uid)?.authUserSynced).to.equal(true);
  });

  it("a newcomer's code fits no account once the address was taken by a password signup meanwhile, nor after the switch was turned off", async () => {
    const w = world();
    await request(w, email, withSignup(w));
    const code = w.mailer.codeFor(email);
    const { signup } = await import("../../src/domain/signup.js");
    await signup({ email, password, name: "Squatter" }, w.deps);
    expect((await failure(confirm(w, code, email, withSignup(w)))).code).to.equal("invalid_code");

    const off = world();
    await request(off, email, withSignup(off));
    expect((await failure(confirm(off, off.mailer.codeFor(email)))).code).to.equal("invalid_code");
    expect(off.store.accounts.size).to.equal(0);
  });

  it("a code mailed to an account deleted since makes (LOGIN_CODE_SIGNUP) an account with a fresh uid, never the deleted one's", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    markVerified(w, uid);
    await request(w);
    const code = w.mailer.codeFor(email);
    await deleteAccount(uid, { password }, w.deps);
    const made = session(await confirm(w, code, email, withSignup(w)));
    expect(made.user.id).to.not.equal(uid);
    expect(made.user.emailVerified).to.equal(true);
  });

  it("an address never proved gets no code (a reset is the way to take it over); a guessed code fits nothing; the password and sessions stay", async () => {
    const { w, uid, token } = await signedUpWorld({ email, password, name: "The CEO" });
    await request(w);
    expect(w.mailer.sent, "no mail").to.have.length(0);
    expect((await failure(confirm(w, "123456"))).code).to.equal("invalid_code");
    await login({ email, password }, w.deps);
    await refresh({ refreshToken: token }, w.deps);
    expect(w.events.seen.filter((event) => event.startsWith("account_reclaimed"))).to.deep.equal([]);
    expect(w.store.accounts.get(uid)?.displayName).to.equal("The CEO");
  });

  it("a code mailed before a password change or a disabling fits no more (bound to the session epoch)", async () => {
    const { changePassword } = await import("../../src/domain/account.js");
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    markVerified(w, uid);
    await request(w);
    const code = w.mailer.codeFor(email);
    await changePassword(uid, { currentPassword: password, newPassword: "a brand new passphrase" }, w.deps);
    expect((await failure(confirm(w, code))).code).to.equal("invalid_code");

    // An email change too (the epoch moves with it); a disabling refuses the account anyway.
    w.clock.advance(61);
    await request(w);
    const second = w.mailer.codeFor(email);
    await w.store.setDisabled(w.keys.email(email), true);
    expect((await failure(confirm(w, second))).code, "disabled").to.equal("invalid_code");
  });

  it("LOGIN_CODE off: both routes are not there (404), nothing mailed or counted", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    markVerified(w, uid);
    const off = { ...w.deps, loginCode: { enabled: false, signup: false } };
    expect((await failure(request(w, email, off))).code).to.equal("not_found");
    expect((await failure(confirm(w, "123456", email, off))).code).to.equal("not_found");
    expect(w.mailer.sent).to.have.length(0);
    expect(w.codes.codes.size).to.equal(0);
  });

  it("LOGIN_CODE_SIGNUP: one address gets about a dozen codes an hour at most (five, then doubling waits), known or not alike", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    markVerified(w, uid);
    const deps = withSignup(w);
    const addresses = [email, "nobody@example.com"];
    const passed = [0, 0];
    const start = w.clock.now().getTime();
    // Both addresses asked for as soon as the resend interval allows, side by side, for an hour.
    while (w.clock.now().getTime() - start < 3600_000) {
      for (const [i, address] of addresses.entries()) {
        const outcome = await request(w, address, deps).then(
          () => "sent",
          (error: unknown) => (error instanceof AppError ? error.code : "other"),
        );
        if (outcome === "sent") passed[i] = (passed[i] ?? 0) + 1;
        else expect(outcome).to.equal("too_many_requests");
      }
      w.clock.advance(61);
    }
    expect(passed[0], "the same for an account and for no account").to.equal(passed[1]);
    expect(passed[0]).to.be.within(5, 12);
  });

  it("a code sign-in keeps the account within MAX_SESSIONS_PER_USER (the oldest session ends)", async () => {
    const { w, uid, token } = await signedUpWorld({ email, password, name: "Ada" });
    markVerified(w, uid);
    const capped = { ...w.deps, maxSessions: 1 };
    await request(w);
    session(await confirm(w, w.mailer.codeFor(email), email, capped));
    expect((await failure(refresh({ refreshToken: token }, w.deps))).code).to.equal("invalid_refresh_token");
  });

  it("five wrong codes kill the code (from five networks: not the throttle); wrong codes count on the login throttle", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    markVerified(w, uid);
    await request(w);
    const code = w.mailer.codeFor(email);
    for (let i = 1; i <= 5; i++)
      expect((await failure(confirm(w, other(code), email, w.deps, `203.0.113.${i}`))).code).to.equal("invalid_code");
    expect((await failure(confirm(w, code, email, w.deps, "198.51.100.1"))).code, "the right code, once dead").to.equal("invalid_code");

    // The throttle: six checks of one network are allowed, the seventh waits.
    w.clock.advance(61);
    await request(w);
    const fresh = w.mailer.codeFor(email);
    for (let i = 0; i < 6; i++) await failure(confirm(w, other(fresh), email, w.deps, "192.0.2.1"));
    expect((await failure(confirm(w, fresh, email, w.deps, "192.0.2.1"))).code).to.equal("too_many_requests");
  });

  it("the code expires after CODE_TTL_MINUTES", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    markVerified(w, uid);
    await request(w);
    w.clock.advance(15 * 60 + 1);
    expect((await failure(confirm(w, w.mailer.codeFor(email)))).code).to.equal("invalid_code");
  });

  it("an account with a second factor: mfa_required, and the verify's session says email, otp, mfa", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    markVerified(w, uid);
    const { secret } = await enrollTotp(uid, { password }, w.deps);
    const codeAt = (step: number) => HOTP.generate({ secret: Secret.fromBase32(secret), counter: step, digits: 6 });
    await activateTotp(uid, { code: codeAt(totpStep(w.clock.now())), language }, w.deps);
    w.clock.advance(60);
    await request(w);
    const challenge = await confirm(w, w.mailer.codeFor(email));
    if (!isMfaRequired(challenge)) throw new Error("expected mfa_required");
    expect(w.minter.minted.filter((m) => m.uid === uid).map((m) => m.claims.auth_methods)).to.not.deep.include(["email"]);
    const done = await verifyMfa({ mfaToken: challenge.mfaToken, code: codeAt(totpStep(w.clock.now())), language }, w.deps);
    expect(done.user.id).to.equal(uid);
    expect(w.minter.minted.at(-1)?.claims).to.deep.include({ auth_methods: ["email", "otp", "mfa"] });
  });
});
