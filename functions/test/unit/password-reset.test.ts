import { expect } from "chai";
import { updateMe } from "../../src/domain/account.js";
import { requestEmailChange } from "../../src/domain/email-change.js";
import { requestPasswordReset } from "../../src/domain/password-reset.js";
import { refresh } from "../../src/domain/refresh.js";
import { failure } from "./failure.js";
import { signedUpWorld, world } from "./fakes.js";
import { confirmPasswordReset, login } from "./sign-in.js";

const email = "ada@example.com";
const password = "correct horse battery";
const newPassword = "a brand new passphrase";
const request = (w: ReturnType<typeof world>, address = email, language: "en" | "de" = "en") =>
  requestPasswordReset({ email: address, language }, w.deps);
const confirm = (w: ReturnType<typeof world>, code: string, pw = newPassword) =>
  confirmPasswordReset({ email, code, newPassword: pw, language: "en" }, w.deps);

describe("password reset by mailed code (in-memory fakes, manual clock)", () => {
  it("a known email gets a 6-digit code in its language; the code signs in with the new password and ends every session", async () => {
    const { w, uid, token } = await signedUpWorld({ email, password, name: "Ada" });
    await request(w, email, "de");
    expect(w.mailer.sent).to.have.length(1);
    expect(w.mailer.sent[0]?.subject).to.equal("Acme: Ihr Code zum Zurücksetzen des Passworts");
    const code = w.mailer.codeFor(email);
    expect(code).to.match(/^[0-9]{6}$/);
    expect([...w.codes.codes.values()][0]?.digest, "only a digest is stored").to.not.include(code);

    const result = await confirm(w, code);
    expect(result.user.id).to.equal(uid);
    expect(result.refreshToken).to.be.a("string");
    expect((await failure(login({ email, password }, w.deps))).code).to.equal("invalid_credentials");
    await login({ email, password: newPassword }, w.deps);
    expect((await failure(refresh({ refreshToken: token }, w.deps))).code).to.equal("invalid_refresh_token");
    expect(w.authUsers.firebaseRevocations).to.include(uid);
    expect(w.mailer.sent.at(-1)?.subject).to.equal("Acme: your password was reset");
    expect(w.events.seen).to.include(`password_reset:${uid}`);
  });

  it("a reset of an address never verified hands the account over: name, users/{uid} fields and push tokens of the previous holder go; a verified one keeps them", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "The CEO" });
    w.store.photos.set(uid, "https://example.com/squatter.png");
    w.store.pushTokens.set(uid, 2);
    await request(w);
    const result = await confirm(w, w.mailer.codeFor(email));
    expect(result.user).to.include({ id: uid, name: "", emailVerified: true });
    expect(w.store.accounts.get(uid)?.displayName).to.equal("");
    expect(w.store.users.get(uid)?.displayName).to.equal("");
    expect([w.store.photos.has(uid), w.store.pushTokens.has(uid)]).to.deep.equal([false, false]);
    expect(w.authUsers.users.get(uid)?.displayName).to.equal("");
    expect(w.events.seen).to.include(`account_reclaimed:${uid}`);

    // Verified now: a second reset is an ordinary one.
    w.clock.advance(120);
    await updateMe(uid, { name: "Ada" }, w.deps);
    await request(w);
    const again = await confirm(w, w.mailer.codeFor(email), "yet another passphrase");
    expect(again.user.name).to.equal("Ada");
    expect(w.events.seen.filter((event) => event.startsWith("account_reclaimed"))).to.have.length(1);
  });

  it("a reset withdraws the account's pending codes (an email change started with the old password)", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail: "elsewhere@example.com", password, language: "en" }, w.deps);
    expect(w.codes.codes.size).to.equal(1);
    await request(w);
    await confirm(w, w.mailer.codeFor(email));
    expect(w.codes.codes.size).to.equal(0);
  });

  it("an unknown email: the same outcome, no mail, and the same resend interval (no 429 tells them apart)", async () => {
    const w = world();
    await request(w, "nobody@example.com");
    expect(w.mailer.sent).to.have.length(0);
    const again = await failure(request(w, "nobody@example.com"));
    expect([again.code, again.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 60]);
  });

  it("a disabled account gets no mail", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    await w.store.setDisabled(w.keys.email(email), true);
    await request(w);
    expect(w.mailer.sent).to.have.length(0);
  });

  it("one code per 60 s per email; a new code replaces the old one", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    await request(w);
    const first = w.mailer.codeFor(email);
    w.clock.advance(59);
    expect((await failure(request(w))).details.retryAfterSeconds).to.equal(1);
    w.clock.advance(1);
    await request(w);
    const second = w.mailer.codeFor(email);
    if (first !== second) expect((await failure(confirm(w, first))).code).to.equal("invalid_code");
    await confirm(w, second);
  });

  it("five wrong tries kill the code: the right one then fails too", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    await request(w);
    const code = w.mailer.codeFor(email);
    const wrong = code === "000000" ? "000001" : "000000";
    for (let i = 0; i < 5; i++) expect((await failure(confirm(w, wrong))).code).to.equal("invalid_code");
    expect((await failure(confirm(w, code))).code).to.equal("invalid_code");
  });

  it("four wrong tries leave the code alive", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    await request(w);
    const code = w.mailer.codeFor(email);
    const wrong = code === "000000" ? "000001" : "000000";
    for (let i = 0; i < 4; i++) await failure(confirm(w, wrong));
    await confirm(w, code);
  });

  it("a code works once, and for 15 minutes", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    await request(w);
    const code = w.mailer.codeFor(email);
    w.clock.advance(15 * 60 - 1);
    await confirm(w, code);
    expect((await failure(confirm(w, code, "yet another passphrase"))).code).to.equal("invalid_code");

    w.clock.advance(60);
    await request(w);
    const late = w.mailer.codeFor(email);
    w.clock.advance(15 * 60);
    expect((await failure(confirm(w, late))).code).to.equal("invalid_code");
  });

  it("a weak new password is refused first and does not use the code up; a malformed code costs nothing", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    await request(w);
    const code = w.mailer.codeFor(email);
    const weak = await failure(confirm(w, code, "short"));
    expect([weak.code, weak.details.field]).to.deep.equal(["weak_password", "new_password"]);
    expect([(await failure(confirm(w, "12345"))).code, (await failure(confirm(w, "12a456"))).code]).to.deep.equal([
      "invalid_code",
      "invalid_code",
    ]);
    await confirm(w, code);
  });

  it("a reset clears the account's guessing counters: the owner is not left locked out", async () => {
    const { w } = await signedUpWorld({ email, password, name: "Ada" });
    for (let i = 0; i < 12; i++) await failure(login({ email, password: `wrong guess ${i}`, clientNetwork: `198.51.100.${i}` }, w.deps));
    expect((await failure(login({ email, password, clientNetwork: "203.0.113.7" }, w.deps))).code).to.equal("too_many_requests");
    w.clock.advance(60);
    await request(w);
    await confirmPasswordReset({ email, code: w.mailer.codeFor(email), newPassword, language: "en", clientNetwork: "203.0.113.7" }, w.deps);
    // Had the account-wide count (12) survived, this failure would lock the account for 4 s
    // and the owner's login from a new network right after it would be refused.
    await failure(login({ email, password: "one more wrong guess", clientNetwork: "192.0.2.50" }, w.deps));
    await login({ email, password: newPassword, clientNetwork: "192.0.2.1" }, w.deps);
  });
});
