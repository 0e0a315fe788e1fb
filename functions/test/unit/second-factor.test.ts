import { createHash } from "node:crypto";
import { expect } from "chai";
import { HOTP, Secret } from "otpauth";
import { changePassword, deleteAccount } from "../../src/domain/account.js";
import { applyFactorRemoval, removeUserFactor } from "../../src/domain/admin.js";
import { type AuthResult, isMfaRequired, type MfaRequired } from "../../src/domain/auth-result.js";
import { requestEmailChange } from "../../src/domain/email-change.js";
import { login } from "../../src/domain/login.js";
import { renderMail } from "../../src/domain/mail.js";
import { confirmPasswordReset, requestPasswordReset } from "../../src/domain/password-reset.js";
import { refresh } from "../../src/domain/refresh.js";
import { activateTotp, challengeIdOf, disableTotp, enrollTotp, renewRecoveryCodes, verifyMfa } from "../../src/domain/second-factor.js";
import { totpStep } from "../../src/domain/totp.js";
import { failure } from "./failure.js";
import { signedUpWorld } from "./fakes.js";

// The second factor's use cases on the in-memory fakes and a manual clock (issue 24): enrolment,
// the two-step sign-in, replay, single use, the mfa_token's limits, step-up, the password reset's
// branch, turning it off, new recovery codes, the administrator's removal. Codes are computed
// with otpauth's HOTP at the step the test chooses (what an authenticator app shows then).

const email = "ada@example.com";
const password = "correct horse battery";
const language = "en" as const;

/** The authenticator app's code for `secret` at `step`. */
const codeAt = (secret: string, step: number) => HOTP.generate({ secret: Secret.fromBase32(secret), counter: step, digits: 6 });
/** A 6-digit code that is not `code`. */
const other = (code: string) => (code === "000000" ? "000001" : "000000");

/** A signed-up account with its factor on: the secret, the recovery codes, the step the activation used. */
async function enrolled() {
  const { w, uid, token } = await signedUpWorld({ email, password, name: "Ada" });
  verify(w, uid);
  const { secret, otpauthUrl } = await enrollTotp(uid, { password }, w.deps);
  const step = totpStep(w.clock.now());
  const { recoveryCodes } = await activateTotp(uid, { code: codeAt(secret, step), language }, w.deps);
  return { w, uid, token, secret, otpauthUrl, recoveryCodes, step };
}

/** The address proved (what POST /email/verify/confirm does): a factor needs it. */
function verify(w: Awaited<ReturnType<typeof signedUpWorld>>["w"], uid: string): void {
  const account = w.store.accounts.get(uid);
  if (account === undefined) throw new Error("no account");
  w.store.accounts.set(uid, { ...account, emailVerified: true });
}

async function challenged(w: Awaited<ReturnType<typeof enrolled>>["w"], clientNetwork?: string): Promise<MfaRequired> {
  const result = await login({ email, password, clientNetwork }, w.deps);
  if (!isMfaRequired(result)) throw new Error("expected mfa_required");
  return result;
}

const session = (result: AuthResult | MfaRequired): AuthResult => {
  if (isMfaRequired(result)) throw new Error("expected a session");
  return result;
};

describe("second factor (use cases, in-memory fakes, manual clock)", () => {
  it("enrol: a proved address, the password again; the secret is sealed as pending, not active; the URL is what authenticator apps read", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    expect((await failure(enrollTotp(uid, { password }, w.deps))).code).to.equal("email_not_verified");
    expect(w.store.accounts.get(uid)?.pendingFactor).to.equal(null);
    verify(w, uid);
    const wrong = await failure(enrollTotp(uid, { password: "not the password" }, w.deps));
    expect([wrong.code, wrong.details.field]).to.deep.equal(["invalid_credentials", "password"]);
    const { secret, otpauthUrl } = await enrollTotp(uid, { password }, w.deps);
    expect(secret).to.match(/^[A-Z2-7]{32}$/);
    const url = new URL(otpauthUrl);
    expect([url.protocol, url.host, decodeURIComponent(url.pathname)]).to.deep.equal(["otpauth:", "totp", `/Acme:${email}`]);
    expect(Object.fromEntries(url.searchParams)).to.include({ secret, issuer: "Acme", algorithm: "SHA1", digits: "6", period: "30" });
    const account = w.store.accounts.get(uid);
    expect(account?.secondFactor).to.equal(null);
    expect(account?.pendingFactor?.sealedSecret).to.match(/^v1\./).and.not.include(secret);
    // Not active: a login still signs in at once.
    expect(isMfaRequired(await login({ email, password }, w.deps))).to.equal(false);
  });

  it("activate: a wrong code changes nothing; a late one finds the setup expired; the right one turns it on with 10 recovery codes and a notice", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    verify(w, uid);
    const { secret } = await enrollTotp(uid, { password }, w.deps);
    const step = totpStep(w.clock.now());
    const wrong = await failure(activateTotp(uid, { code: other(codeAt(secret, step)), language }, w.deps));
    expect([wrong.code, wrong.details.field]).to.deep.equal(["invalid_code", "code"]);
    expect(w.store.accounts.get(uid)?.secondFactor).to.equal(null);

    w.clock.advance(15 * 60); // the setup's 15 minutes
    const late = await failure(activateTotp(uid, { code: codeAt(secret, totpStep(w.clock.now())), language }, w.deps));
    expect(late.code).to.equal("mfa_enrollment_expired");

    const again = await enrollTotp(uid, { password }, w.deps);
    const now = totpStep(w.clock.now());
    const { recoveryCodes } = await activateTotp(uid, { code: codeAt(again.secret, now), language }, w.deps);
    expect(new Set(recoveryCodes).size).to.equal(10);
    const factor = w.store.accounts.get(uid)?.secondFactor;
    expect([factor?.lastStep, factor?.recoveryDigests.length, w.store.accounts.get(uid)?.pendingFactor]).to.deep.equal([now, 10, null]);
    for (const code of recoveryCodes) expect(factor?.recoveryDigests.join()).to.not.include(code.replace(/-/g, ""));
    expect(w.mailer.sent.at(-1)).to.deep.equal(renderMail("mfa_enabled", language, email, { app: "Acme" }));
    expect(w.events.seen).to.include(`mfa_enabled:${uid}`);
    expect((await failure(enrollTotp(uid, { password }, w.deps))).code).to.equal("mfa_already_enabled");
    expect((await failure(activateTotp(uid, { code: codeAt(again.secret, now + 1), language }, w.deps))).code).to.equal(
      "mfa_already_enabled",
    );
  });

  it("login of an account with a factor: mfa_required and an mfa_token, no session; verify makes the session, its claims say pwd+otp+mfa", async () => {
    const { w, uid, secret, step } = await enrolled();
    const sessionsBefore = w.store.live.size;
    const first = await challenged(w);
    expect(first.methods).to.deep.equal(["totp", "recovery_code"]);
    expect(first.mfaToken).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(w.store.live.size, "no session before the second step").to.equal(sessionsBefore);
    expect([...w.store.challenges.keys()]).to.deep.equal([challengeIdOf(first.mfaToken)]);

    // The activation's step is used: its code is refused even inside the window.
    const replay = await failure(verifyMfa({ mfaToken: first.mfaToken, code: codeAt(secret, step), language }, w.deps));
    expect([replay.code, replay.details.field]).to.deep.equal(["invalid_code", "code"]);
    const result = await verifyMfa({ mfaToken: first.mfaToken, code: codeAt(secret, step + 1), language }, w.deps);
    expect([result.user.id, result.user.mfaEnabled, result.recoveryCodesLeft]).to.deep.equal([uid, true, 10]);
    expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["pwd", "otp", "mfa"]);
    expect(w.store.live.size).to.equal(sessionsBefore + 1);
    expect(w.store.challenges.size, "single use").to.equal(0);
    expect((await failure(verifyMfa({ mfaToken: first.mfaToken, code: codeAt(secret, step + 1), language }, w.deps))).code).to.equal(
      "invalid_mfa_token",
    );

    // The same code on a new login's token: its step is used now.
    const second = await challenged(w);
    expect((await failure(verifyMfa({ mfaToken: second.mfaToken, code: codeAt(secret, step + 1), language }, w.deps))).code).to.equal(
      "invalid_code",
    );
    // The session's refresh keeps how it was signed in.
    await refresh({ refreshToken: result.refreshToken }, w.deps);
    expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["pwd", "otp", "mfa"]);
  });

  it("a recovery code works once, as typed by a person (case, spaces); its use is mailed with what is left; the session says pwd+mfa", async () => {
    const { w, recoveryCodes } = await enrolled();
    const code = recoveryCodes[0] ?? "";
    const typed = ` ${code.toLowerCase().replace(/-/g, " ")} `;
    const first = await challenged(w);
    const result = await verifyMfa({ mfaToken: first.mfaToken, recoveryCode: typed, language }, w.deps);
    expect(result.recoveryCodesLeft).to.equal(9);
    expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["pwd", "mfa"]);
    expect(w.mailer.sent.at(-1)).to.deep.equal(renderMail("recovery_code_used", language, email, { app: "Acme", remaining: 9 }));
    const second = await challenged(w);
    const used = await failure(verifyMfa({ mfaToken: second.mfaToken, recoveryCode: code, language }, w.deps));
    expect([used.code, used.details.field]).to.deep.equal(["invalid_code", "recovery_code"]);
    const both = await failure(verifyMfa({ mfaToken: second.mfaToken, code: "123456", recoveryCode: code, language }, w.deps));
    expect([both.code, both.details.field]).to.deep.equal(["invalid_request", "recovery_code"]);
    const none = await failure(verifyMfa({ mfaToken: second.mfaToken, code: "", language }, w.deps));
    expect([none.code, none.details.field]).to.deep.equal(["invalid_request", "code"]);
  });

  it("an mfa_token dies at its fifth wrong code, after 5 minutes, and when the password changes; a malformed one costs no read", async () => {
    const { w, uid, secret, step } = await enrolled();
    const network = "203.0.113.7";
    const token = (await challenged(w, network)).mfaToken;
    for (let i = 0; i < 4; i++) {
      expect((await failure(verifyMfa({ mfaToken: token, code: other(codeAt(secret, step + 1)), language }, w.deps))).code).to.equal(
        "invalid_code",
      );
    }
    expect(w.store.challenges.get(challengeIdOf(token))?.tries).to.equal(4);
    expect((await failure(verifyMfa({ mfaToken: token, code: other(codeAt(secret, step + 1)), language }, w.deps))).code).to.equal(
      "invalid_code",
    );
    expect(w.store.challenges.size, "the fifth wrong code deletes it").to.equal(0);
    expect((await failure(verifyMfa({ mfaToken: token, code: codeAt(secret, step + 1), language }, w.deps))).code).to.equal(
      "invalid_mfa_token",
    );

    const late = (await challenged(w)).mfaToken;
    w.clock.advance(5 * 60);
    const now = totpStep(w.clock.now());
    expect((await failure(verifyMfa({ mfaToken: late, code: codeAt(secret, now), language }, w.deps))).code).to.equal("invalid_mfa_token");

    const stale = (await challenged(w)).mfaToken;
    const fresh = await verifyMfa({ mfaToken: (await challenged(w)).mfaToken, code: codeAt(secret, now), language }, w.deps);
    expect(fresh.user.id).to.equal(uid);
    await changePassword(
      uid,
      { currentPassword: password, newPassword: "another good passphrase", proof: { code: codeAt(secret, now + 1) } },
      w.deps,
    );
    expect((await failure(verifyMfa({ mfaToken: stale, code: codeAt(secret, now - 1), language }, w.deps))).code).to.equal(
      "invalid_mfa_token",
    );
    const reads = w.faults.calls.length;
    expect((await failure(verifyMfa({ mfaToken: "short", code: "123456", language }, w.deps))).code).to.equal("invalid_mfa_token");
    expect(w.faults.calls.length).to.equal(reads);
  });

  it("wrong codes count on the throttle like wrong passwords (a right password does not): past the pair's allowance a verify is 429; a right code later settles the counters", async () => {
    const { w, secret, step } = await enrolled();
    const clientNetwork = "198.51.100.4";
    const wrongCode = other(codeAt(secret, step + 1));
    // The logins' right passwords are given back; only the codes count: 4 on the first token...
    const first = (await challenged(w, clientNetwork)).mfaToken;
    for (let i = 0; i < 4; i++) {
      expect((await failure(verifyMfa({ mfaToken: first, code: wrongCode, clientNetwork, language }, w.deps))).code).to.equal(
        "invalid_code",
      );
    }
    // ...the fifth (the pair's allowance) and the sixth (checked, and sets the first lock) on a second one...
    const second = (await challenged(w, clientNetwork)).mfaToken;
    for (let i = 0; i < 2; i++) {
      expect((await failure(verifyMfa({ mfaToken: second, code: wrongCode, clientNetwork, language }, w.deps))).code).to.equal(
        "invalid_code",
      );
    }
    // ...and the seventh is refused before any code is looked at.
    const refused = await failure(verifyMfa({ mfaToken: second, code: codeAt(secret, step + 1), clientNetwork, language }, w.deps));
    expect([refused.code, refused.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 2]);

    w.clock.advance(3);
    const now = totpStep(w.clock.now());
    await verifyMfa({ mfaToken: second, code: codeAt(secret, Math.max(now, step + 1)), clientNetwork, language }, w.deps);
    // Settled: the pair's counter starts over, so wrong codes are plain invalid_code again.
    const third = (await challenged(w, clientNetwork)).mfaToken;
    for (let i = 0; i < 4; i++) {
      expect((await failure(verifyMfa({ mfaToken: third, code: wrongCode, clientNetwork, language }, w.deps))).code).to.equal(
        "invalid_code",
      );
    }
  });

  it("two-step sign-ins that succeed leave nothing counted: 14 from 14 new networks in an hour all pass (the account-wide allowance is 10)", async () => {
    const { w, uid, secret } = await enrolled();
    for (let i = 0; i < 14; i++) {
      w.clock.advance(31); // a fresh step for each
      const clientNetwork = `192.0.2.${i + 1}`;
      const token = (await challenged(w, clientNetwork)).mfaToken;
      const signedIn = await verifyMfa({ mfaToken: token, code: codeAt(secret, totpStep(w.clock.now())), clientNetwork, language }, w.deps);
      expect(signedIn.user.id, `sign-in ${i + 1}`).to.equal(uid);
    }
  });

  it("networks trusted before the factor do not lift the account-wide limit on codes (the password may have leaked before)", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    verify(w, uid);
    const networks = ["198.18.0.1", "198.18.1.1", "198.18.2.1", "198.18.3.1"];
    // Password-only logins while there is no factor: each network becomes trusted for the account.
    for (const clientNetwork of networks) await login({ email, password, clientNetwork }, w.deps);
    const { secret } = await enrollTotp(uid, { password }, w.deps);
    const step = totpStep(w.clock.now());
    await activateTotp(uid, { code: codeAt(secret, step), language }, w.deps);
    const wrongCode = other(codeAt(secret, step + 1));
    const answers: string[] = [];
    // Three wrong codes from each (the pair's own allowance is 5): 12 in all, past the account's 10.
    for (const clientNetwork of networks) {
      const token = (await challenged(w, clientNetwork)).mfaToken;
      for (let i = 0; i < 3; i++) {
        answers.push((await failure(verifyMfa({ mfaToken: token, code: wrongCode, clientNetwork, language }, w.deps))).code);
      }
    }
    expect(answers.slice(0, 10)).to.deep.equal(Array(10).fill("invalid_code"));
    expect(answers).to.include("too_many_requests");
  });

  it("abandoned first steps leave nothing on the network's shard: ten logins never finished, then the eleventh and its verify pass", async () => {
    const { w, uid, secret } = await enrolled();
    const clientNetwork = "198.51.100.77";
    for (let i = 0; i < 10; i++) await challenged(w, clientNetwork); // the phone is elsewhere; each token expires unused
    w.clock.advance(31);
    const token = (await challenged(w, clientNetwork)).mfaToken;
    const signedIn = await verifyMfa({ mfaToken: token, code: codeAt(secret, totpStep(w.clock.now())), clientNetwork, language }, w.deps);
    expect(signedIn.user.id).to.equal(uid);
    const counts = [...w.throttle.counters.values()].map((counter) => counter.count);
    expect(Math.max(0, ...counts), "no counter holds the abandoned steps").to.be.at.most(1);
  });

  it("the login of an account with a factor upgrades a weak hash (the password is known only there)", async () => {
    const { w, uid } = await enrolled();
    const account = w.store.accounts.get(uid) ?? never();
    const weak = `fake$1$${createHash("sha256").update(password).digest("hex")}`; // made with a lower cost
    w.store.accounts.set(uid, { ...account, passwordHash: weak });
    await challenged(w);
    expect(w.store.accounts.get(uid)?.passwordHash).to.equal(await w.hasher.hash(password));
    expect(w.events.seen).to.include(`password_rehashed:${uid}`);
  });

  it("step-up: password change, email change and deletion need a proof of the factor; without one nothing changes", async () => {
    const { w, uid, secret, step, recoveryCodes } = await enrolled();
    const newPassword = "another good passphrase";
    const bare = await failure(changePassword(uid, { currentPassword: password, newPassword }, w.deps));
    expect(bare.code).to.equal("second_factor_required");
    expect(isMfaRequired(await login({ email, password }, w.deps)), "the old password still works").to.equal(true);
    const wrong = await failure(
      changePassword(uid, { currentPassword: password, newPassword, proof: { code: other(codeAt(secret, step + 1)) } }, w.deps),
    );
    expect(wrong.code).to.equal("invalid_code");
    const weak = await failure(
      changePassword(uid, { currentPassword: password, newPassword: "short", proof: { code: codeAt(secret, step + 1) } }, w.deps),
    );
    expect(weak.code, "the policy refuses before the code is used up").to.equal("weak_password");
    const changed = await changePassword(
      uid,
      { currentPassword: password, newPassword, proof: { code: codeAt(secret, step + 1) } },
      w.deps,
    );
    expect(changed.user.id).to.equal(uid);
    expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["pwd", "otp", "mfa"]);

    const emailChange = await failure(requestEmailChange(uid, { newEmail: "new@example.com", password: newPassword, language }, w.deps));
    expect(emailChange.code).to.equal("second_factor_required");
    const deletion = await failure(deleteAccount(uid, { password: newPassword }, w.deps));
    expect(deletion.code).to.equal("second_factor_required");
    expect(w.store.accounts.has(uid)).to.equal(true);
    await deleteAccount(uid, { password: newPassword, proof: { recoveryCode: recoveryCodes[1] } }, w.deps);
    expect(w.store.accounts.has(uid)).to.equal(false);
  });

  it("password reset of an account with a factor: the password is set, no session until the factor; an unproved address loses the factor", async () => {
    const { w, uid, secret, step } = await enrolled();
    const newPassword = "a reset passphrase";
    await requestPasswordReset({ email, language }, w.deps);
    const sessionsBefore = w.store.live.size;
    const reset = await confirmPasswordReset({ email, code: w.mailer.codeFor(email), newPassword, language }, w.deps);
    if (!isMfaRequired(reset)) throw new Error("the reset signed in without the factor");
    expect(w.store.live.size).to.be.at.most(sessionsBefore);
    expect(isMfaRequired(await login({ email, password: newPassword }, w.deps))).to.equal(true);
    const signedIn = await verifyMfa({ mfaToken: reset.mfaToken, code: codeAt(secret, step + 1), language }, w.deps);
    expect(signedIn.user.id).to.equal(uid);

    // Defence in depth: an account with a factor and an address never proved (enrolment needs a
    // proved one; set by hand here) - the reset hands it to the mailbox's owner without the factor.
    const squatted = await enrolled();
    squatted.w.store.accounts.set(squatted.uid, { ...(squatted.w.store.accounts.get(squatted.uid) ?? never()), emailVerified: false });
    await requestPasswordReset({ email, language }, squatted.w.deps);
    const reclaimed = session(
      await confirmPasswordReset({ email, code: squatted.w.mailer.codeFor(email), newPassword, language }, squatted.w.deps),
    );
    expect([reclaimed.user.mfaEnabled, squatted.w.store.accounts.get(squatted.uid)?.secondFactor]).to.deep.equal([false, null]);
  });

  it("resets do not refresh the allowance of factor guesses: whoever holds the mailbox meets the throttle like anyone", async () => {
    const { w, secret, step } = await enrolled();
    const clientNetwork = "203.0.113.99";
    const answers: string[] = [];
    for (let round = 0; round < 3; round++) {
      w.clock.advance(61); // the reset code's resend interval
      await requestPasswordReset({ email, clientNetwork, language }, w.deps);
      const reset = await confirmPasswordReset(
        { email, code: w.mailer.codeFor(email), newPassword: `a reset passphrase ${round}`, clientNetwork, language },
        w.deps,
      );
      if (!isMfaRequired(reset)) throw new Error("the reset signed in without the factor");
      for (let i = 0; i < 4; i++) {
        const wrong = other(codeAt(secret, Math.max(step + 1, totpStep(w.clock.now()))));
        answers.push((await failure(verifyMfa({ mfaToken: reset.mfaToken, code: wrong, clientNetwork, language }, w.deps))).code);
      }
    }
    expect(answers.slice(0, 5)).to.deep.equal(["invalid_code", "invalid_code", "invalid_code", "invalid_code", "invalid_code"]);
    expect(answers).to.include("too_many_requests");
  });

  it("turning it off needs the password and a proof; new recovery codes kill the old ones; an administrator removes a lost factor", async () => {
    const { w, uid, secret, step, recoveryCodes } = await enrolled();
    expect((await failure(disableTotp(uid, { password, language }, w.deps))).code).to.equal("second_factor_required");
    expect((await failure(disableTotp(uid, { password: "wrong one", code: codeAt(secret, step + 1), language }, w.deps))).code).to.equal(
      "invalid_credentials",
    );
    const renewed = await renewRecoveryCodes(uid, { code: codeAt(secret, step + 1), language }, w.deps);
    expect(w.mailer.sent.at(-1)).to.deep.equal(renderMail("recovery_codes_renewed", language, email, { app: "Acme" }));
    const token = (await challenged(w)).mfaToken;
    expect((await failure(verifyMfa({ mfaToken: token, recoveryCode: recoveryCodes[2], language }, w.deps))).code).to.equal("invalid_code");
    expect((await verifyMfa({ mfaToken: token, recoveryCode: renewed.recoveryCodes[0], language }, w.deps)).recoveryCodesLeft).to.equal(9);

    await disableTotp(uid, { password, recoveryCode: renewed.recoveryCodes[1], language }, w.deps);
    expect(w.store.accounts.get(uid)?.secondFactor).to.equal(null);
    expect(w.events.seen).to.include(`mfa_disabled:${uid}`);
    expect(session(await login({ email, password }, w.deps)).user.mfaEnabled).to.equal(false);
    expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["pwd"]);
    expect((await failure(renewRecoveryCodes(uid, { code: "123456", language }, w.deps))).code).to.equal("mfa_not_enabled");

    const lost = await enrolled();
    const notAdmin = await failure(removeUserFactor({ uid: "someone", claims: { role_id: 1 } }, lost.uid, language, lost.w.deps));
    expect(notAdmin.code).to.equal("forbidden");
    const account = lost.w.store.accounts.get(lost.uid) ?? never();
    expect(await applyFactorRemoval(account, "cli", language, lost.w.deps)).to.deep.equal({ mfaEnabled: false });
    expect(lost.w.events.securityEvents.at(-1)).to.deep.equal({ event: "mfa_disabled", uid: lost.uid, actorUid: "cli" });
    expect(session(await login({ email, password }, lost.w.deps)).user.id).to.equal(lost.uid);
  });
});

function never(): never {
  throw new Error("missing");
}
