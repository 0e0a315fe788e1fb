import { expect } from "chai";
import { confirmEmailVerification, requestEmailVerification } from "../../src/domain/email-verification.js";
import { requestPasswordReset } from "../../src/domain/password-reset.js";
import { failure } from "./failure.js";
import { signedUpWorld } from "./fakes.js";
import { confirmPasswordReset, login } from "./sign-in.js";

const email = "ada@example.com";
const password = "correct horse battery";

describe("email verification by mailed code (in-memory fakes)", () => {
  it("a code to the account's address; the right code marks the credential and the Auth user verified", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    expect((await login({ email, password }, w.deps)).user.emailVerified).to.equal(false);
    expect(await requestEmailVerification(uid, { language: "es" }, w.deps)).to.deep.equal({ alreadyVerified: false });
    expect(w.mailer.sent[0]?.subject).to.equal("Acme: tu código de verificación");
    const code = w.mailer.codeFor(email);
    const wrong = code === "000000" ? "000001" : "000000";
    expect((await failure(confirmEmailVerification(uid, { code: wrong }, w.deps))).code).to.equal("invalid_code");
    const user = await confirmEmailVerification(uid, { code }, w.deps);
    expect(user.emailVerified).to.equal(true);
    expect(w.authUsers.emailVerified.has(uid)).to.equal(true);
    expect((await login({ email, password }, w.deps)).user.emailVerified).to.equal(true);
    expect(w.events.seen).to.include(`email_verified:${uid}`);
  });

  it("an address already verified: no mail, and confirming again is a no-op", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailVerification(uid, { language: "en" }, w.deps);
    await confirmEmailVerification(uid, { code: w.mailer.codeFor(email) }, w.deps);
    const sent = w.mailer.sent.length;
    expect(await requestEmailVerification(uid, { language: "en" }, w.deps)).to.deep.equal({ alreadyVerified: true });
    expect(w.mailer.sent).to.have.length(sent);
    expect((await confirmEmailVerification(uid, { code: "123456" }, w.deps)).emailVerified).to.equal(true);
  });

  it("a verification code is not a reset code (purposes are separate)", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailVerification(uid, { language: "en" }, w.deps);
    const code = w.mailer.codeFor(email);
    const reset = confirmPasswordReset({ email, code, newPassword: "a brand new passphrase", language: "en" }, w.deps);
    expect((await failure(reset)).code).to.equal("invalid_code");
  });

  it("a password reset by code proves the address too", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    await requestPasswordReset({ email, language: "en" }, w.deps);
    const result = await confirmPasswordReset(
      { email, code: w.mailer.codeFor(email), newPassword: "a brand new passphrase", language: "en" },
      w.deps,
    );
    expect(result.user.emailVerified).to.equal(true);
  });

  it("a deleted or disabled account: not_found", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await w.store.setDisabled(w.keys.email(email), true);
    expect((await failure(requestEmailVerification(uid, { language: "en" }, w.deps))).code).to.equal("not_found");
  });
});
