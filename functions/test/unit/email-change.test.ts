import { expect } from "chai";
import { confirmEmailChange, requestEmailChange } from "../../src/domain/email-change.js";
import { EmailTakenError } from "../../src/domain/model.js";
import { refresh } from "../../src/domain/refresh.js";
import { signup } from "../../src/domain/signup.js";
import { failure, rejection } from "./failure.js";
import { signedUpWorld } from "./fakes.js";
import { login } from "./sign-in.js";

const email = "ada@example.com";
const newEmail = "Ada.Lovelace@Example.org";
const password = "correct horse battery";

describe("email change by mailed code (in-memory fakes)", () => {
  it("a code to the new address, a notice to the old; the code moves the account and signs it in afresh", async () => {
    const { w, uid, token } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "fr" }, w.deps);
    expect(w.mailer.sent.map((m) => [m.to, m.subject])).to.deep.equal([
      [newEmail, "Acme : confirmez votre nouvelle adresse e-mail"],
      [email, "Acme : votre adresse e-mail est en cours de modification"],
    ]);
    expect(w.mailer.sent[1]?.text).to.include(newEmail);
    const result = await confirmEmailChange(uid, { code: w.mailer.codeFor(newEmail) }, w.deps);

    expect(result.user).to.include({ id: uid, email: newEmail, emailVerified: true });
    expect(w.store.users.get(uid)?.email).to.equal(newEmail);
    expect(w.authUsers.users.get(uid)?.email).to.equal(newEmail.toLowerCase());
    expect(w.authUsers.emailVerified.has(uid)).to.equal(true);
    expect(w.authUsers.firebaseRevocations).to.include(uid);
    expect((await failure(login({ email, password }, w.deps))).code).to.equal("invalid_credentials");
    expect((await login({ email: newEmail.toUpperCase(), password }, w.deps)).user.id).to.equal(uid);
    expect((await failure(refresh({ refreshToken: token }, w.deps))).code, "the session before the change").to.equal(
      "invalid_refresh_token",
    );
    expect((await refresh({ refreshToken: result.refreshToken }, w.deps)).user.email).to.equal(newEmail);
    expect(w.events.seen).to.include.members([`email_change_requested:${uid}`, `email_changed:${uid}`]);

    // The old address is free.
    const other = await signup({ email, password: "another good passphrase", name: "Bea" }, w.deps);
    expect(other.user.id).to.not.equal(uid);
  });

  it("a taken address: the same answer, no code (only the notice), and no code to confirm", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await signup({ email: newEmail, password: "another good passphrase", name: "Bea" }, w.deps);
    const before = w.mailer.sent.length;
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    expect(w.mailer.sent.slice(before).map((m) => m.to)).to.deep.equal([email]);
    expect(w.events.seen).to.include(`email_change_requested:${uid}`);
    const guess = confirmEmailChange(uid, { code: "123456" }, w.deps);
    expect((await failure(guess)).code).to.equal("invalid_code");
    // The resend interval holds for a taken address as for a free one.
    const again = await failure(requestEmailChange(uid, { newEmail: "free@example.com", password, language: "en" }, w.deps));
    expect([again.code, again.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 60]);
  });

  it("the password is checked first (invalid_credentials on field password); nothing is mailed", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    const wrong = await failure(requestEmailChange(uid, { newEmail, password: "not the password", language: "en" }, w.deps));
    expect([wrong.code, wrong.details.field]).to.deep.equal(["invalid_credentials", "password"]);
    expect(w.mailer.sent).to.have.length(0);
  });

  it("the same address, or a malformed one, is refused naming new_email", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    const same = await failure(requestEmailChange(uid, { newEmail: "ADA@example.com", password, language: "en" }, w.deps));
    expect([same.code, same.details.field]).to.deep.equal(["invalid_request", "new_email"]);
    const bad = await failure(requestEmailChange(uid, { newEmail: "not an address", password, language: "en" }, w.deps));
    expect([bad.code, bad.details.field]).to.deep.equal(["invalid_request", "new_email"]);
  });

  it("an address taken between the request and the confirm: email_exists, and the account stays where it was", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    const code = w.mailer.codeFor(newEmail);
    await signup({ email: newEmail, password: "another good passphrase", name: "Bea" }, w.deps);
    const taken = await failure(confirmEmailChange(uid, { code }, w.deps));
    expect([taken.code, taken.status, taken.details.field]).to.deep.equal(["email_exists", 409, "new_email"]);
    expect((await login({ email, password }, w.deps)).user.email).to.equal(email);
  });

  it("an address Firebase Auth holds for another user: the move is undone, email_exists", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    w.faults.failAt("authUsers.changeEmail", new EmailTakenError());
    const taken = await failure(confirmEmailChange(uid, { code: w.mailer.codeFor(newEmail) }, w.deps));
    expect(taken.code).to.equal("email_exists");
    expect((await login({ email, password }, w.deps)).user).to.include({ email, emailVerified: false });
    expect((await failure(login({ email: newEmail, password }, w.deps))).code).to.equal("invalid_credentials");
  });

  it("Firebase Auth out of reach after the move: the change stands, and the next login brings the Auth user up to date", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    w.faults.failAt("authUsers.changeEmail", Object.assign(new Error("deadline"), { code: "deadline-exceeded" }));
    const result = await confirmEmailChange(uid, { code: w.mailer.codeFor(newEmail) }, w.deps);
    expect(result.user.email).to.equal(newEmail);
    expect(w.events.seen).to.include(`follow_up_failed:sync_auth_user:${uid}`);
    expect(w.authUsers.users.get(uid)?.email).to.equal(email);
    w.faults.heal();
    await login({ email: newEmail, password }, w.deps);
    expect(w.authUsers.users.get(uid)).to.include({ email: newEmail.toLowerCase(), emailVerified: true });
  });

  it("a wrong code counts and the fifth kills it; a used code fails", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    const code = w.mailer.codeFor(newEmail);
    const wrong = code === "000000" ? "000001" : "000000";
    for (let i = 0; i < 5; i++) expect((await failure(confirmEmailChange(uid, { code: wrong }, w.deps))).code).to.equal("invalid_code");
    expect((await failure(confirmEmailChange(uid, { code }, w.deps))).code, "dead after five wrong tries").to.equal("invalid_code");
  });

  it("a code of another purpose, or of another account, does not move anything", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    const bea = await signup({ email: "bea@example.com", password: "another good passphrase", name: "Bea" }, w.deps);
    await requestEmailChange(bea.user.id, { newEmail, password: "another good passphrase", language: "en" }, w.deps);
    const code = w.mailer.codeFor(newEmail);
    expect((await failure(confirmEmailChange(uid, { code }, w.deps))).code).to.equal("invalid_code");
  });

  it("a mail that cannot go, for a free or a taken address alike: the failure is thrown and the retry is not held back (no 429 tells them apart)", async () => {
    for (const taken of [false, true]) {
      const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
      if (taken) await signup({ email: newEmail, password: "another good passphrase", name: "Bea" }, w.deps);
      w.faults.failAt("mailer.send");
      await rejection(requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps));
      w.faults.heal();
      await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
      expect(w.mailer.sent.at(-1)?.to, taken ? "taken" : "free").to.equal(email);
    }
  });

  it("Firebase Auth out of reach for the whole confirm (the Auth user and the revocations): the change stands, every failure is logged", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    const down = Object.assign(new Error("Auth out of reach"), { code: "app/network-error" });
    w.faults.failAt("authUsers.changeEmail", down);
    w.faults.failAt("authUsers.revokeFirebaseSessions", down);
    const result = await confirmEmailChange(uid, { code: w.mailer.codeFor(newEmail) }, w.deps);
    expect(result.user.email).to.equal(newEmail);
    expect(w.events.seen).to.include.members([`follow_up_failed:sync_auth_user:${uid}`, `follow_up_failed:revoke_sessions:${uid}`]);
  });

  it("an account disabled between the request and the confirm: nothing moves (not_found)", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    const code = w.mailer.codeFor(newEmail);
    const before = w.store.accounts.get(uid);
    // The disabling lands after confirm's own read of the account (a race): the move itself refuses.
    const store = w.store;
    const original = store.changeEmail.bind(store);
    store.changeEmail = async (account, target, verified) => {
      await store.setDisabled(account.emailKey, true);
      return original(account, target, verified);
    };
    expect((await failure(confirmEmailChange(uid, { code }, w.deps))).code).to.equal("not_found");
    expect(w.store.accounts.get(uid)?.emailKey).to.equal(before?.emailKey);
  });
});
