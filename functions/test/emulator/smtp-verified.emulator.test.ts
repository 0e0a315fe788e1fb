import { expect } from "chai";
import { type Inbox, startInbox } from "../smtp-inbox.js";
import { type Served, serveFunction, stopProcess } from "./framework.js";
import { authBody, bearer, errorCode, randomClientIp, signInWithCustomToken, uniqueEmail } from "./helpers.js";

// The other two mail settings, on the Functions Framework (what Cloud Run runs) against the
// stack's Auth emulator and Firestore: MAIL_TRANSPORT=smtp with SMTP_URL pointing at a real SMTP
// server on loopback (codes read from what it received), and REQUIRE_VERIFIED_EMAIL=true.
// The stack's own function runs the defaults (Firestore mail queue, verification not required).
const PORT = 8295;
const password = "correct horse battery staple";

describe("MAIL_TRANSPORT=smtp and REQUIRE_VERIFIED_EMAIL=true (Functions Framework, real SMTP server)", function () {
  this.timeout(120_000);
  let inbox: Inbox;
  let fn: Served;

  before(async () => {
    inbox = await startInbox();
    fn = await serveFunction(PORT, {
      MAIL_TRANSPORT: "smtp",
      SMTP_URL: inbox.url,
      MAIL_FROM: "Acme <no-reply@acme.example>",
      APP_NAME: "Acme",
      REQUIRE_VERIFIED_EMAIL: "true",
    });
  });

  after(async () => {
    await stopProcess(fn?.process);
    await inbox?.close();
  });

  it("signup: 403 email_not_verified and a code by SMTP; login with the code signs in verified; later logins need no code", async () => {
    const email = uniqueEmail("smtp");
    const refused = await fn.post("/signup", { email, password }, { "Accept-Language": "fr" });
    expect([refused.status, errorCode(refused)]).to.deep.equal([403, "email_not_verified"]);
    const mail = inbox.received.filter((m) => m.to.includes(email)).at(-1);
    expect(mail?.from).to.equal("no-reply@acme.example");
    expect(mail?.raw).to.match(/Subject: .*Acme/);
    const code = inbox.codeFor(email);

    const again = await fn.post("/login", { email, password, code: "" });
    expect([again.status, errorCode(again)], 'code "" (an unbound variable) is no code').to.deep.equal([403, "email_not_verified"]);
    const wrong = await fn.post("/login", { email, password, code: code === "000000" ? "000001" : "000000" });
    expect(errorCode(wrong)).to.equal("invalid_code");
    const badPassword = await fn.post("/login", { email, password: "not the password at all", code });
    expect(errorCode(badPassword)).to.equal("invalid_credentials");

    const body = authBody(await fn.post("/login", { email, password, code }));
    expect(body.user.email_verified).to.equal(true);
    const session = await signInWithCustomToken(body.jwt_token);
    expect(session.claims.email_verified).to.equal(true);
    expect(authBody(await fn.post("/login", { email, password })).user.email_verified).to.equal(true);
  });

  it("the network's mail counter spent (mail_ip): signup still makes the account (403, no mail); login from there is 429 with Retry-After and mails nothing", async () => {
    const network = { "X-Forwarded-For": randomClientIp() };
    for (let i = 0; i < 101; i++) await fn.post("/password/reset/request", { email: uniqueEmail("spend") }, network); // the 101st sets the lock
    const email = uniqueEmail("smtpspent");
    const mailsTo = () => inbox.received.filter((m) => m.to.includes(email));
    const refused = await fn.post("/signup", { email, password }, network);
    expect([refused.status, errorCode(refused)]).to.deep.equal([403, "email_not_verified"]);
    expect(mailsTo().length, "no mail").to.equal(0);
    const held = await fn.post("/login", { email, password }, network);
    expect([held.status, errorCode(held)]).to.deep.equal([429, "too_many_requests"]);
    expect(Number(held.headers.get("retry-after"))).to.be.within(1, 60);
    expect(mailsTo().length, "no mail").to.equal(0);

    // The account was made: from another network, login mails the code, and the code signs in.
    const elsewhere = { "X-Forwarded-For": randomClientIp() };
    expect(errorCode(await fn.post("/login", { email, password }, elsewhere))).to.equal("email_not_verified");
    const body = authBody(await fn.post("/login", { email, password, code: inbox.codeFor(email) }, elsewhere));
    expect(body.user.email_verified).to.equal(true);
  });

  it("password reset and email change with codes read from the SMTP server", async () => {
    const email = uniqueEmail("smtpreset");
    await fn.post("/signup", { email, password });
    const first = authBody(await fn.post("/login", { email, password, code: inbox.codeFor(email) }));

    expect((await fn.post("/password/reset/request", { email })).status).to.equal(202);
    const newPassword = "a brand new passphrase";
    const reset = authBody(await fn.post("/password/reset/confirm", { email, code: inbox.codeFor(email), new_password: newPassword }));
    expect(reset.user.id).to.equal(first.user.id);

    const { idToken } = await signInWithCustomToken(reset.jwt_token);
    const newEmail = uniqueEmail("smtpmoved");
    const asked = await fn.post("/email/change/request", { new_email: newEmail, password: newPassword }, bearer(idToken));
    expect(asked.status).to.equal(202);
    const moved = authBody(await fn.post("/email/change/confirm", { code: inbox.codeFor(newEmail) }, bearer(idToken)));
    expect(moved.user).to.deep.include({ email: newEmail, email_verified: true });
    expect(authBody(await fn.post("/login", { email: newEmail, password: newPassword })).user.id).to.equal(first.user.id);
  });

  it("the relay down: a reset request still answers 202 (as for an unknown email); a signed-in request is a clean 503 and can be retried at once", async () => {
    const email = uniqueEmail("smtpdown");
    await fn.post("/signup", { email, password });
    const body = authBody(await fn.post("/login", { email, password, code: inbox.codeFor(email) }));
    const { idToken } = await signInWithCustomToken(body.jwt_token);
    await inbox.close();
    try {
      const reset = await fn.post("/password/reset/request", { email });
      expect([reset.status, reset.json]).to.deep.equal([202, { sent: true }]);
      const newEmail = uniqueEmail("smtpnever");
      const change = await fn.post("/email/change/request", { new_email: newEmail, password }, bearer(idToken));
      expect([change.status, errorCode(change)]).to.deep.equal([503, "unavailable"]);
    } finally {
      inbox = await startInbox();
    }
    // The relay is back on another port the running function does not know: a new code could not
    // go there, but the code document was withdrawn, so the retry is not a 429.
    const retry = await fn.post("/email/change/request", { new_email: uniqueEmail("smtpretry"), password }, bearer(idToken));
    expect(retry.status, "not held back by the resend interval").to.equal(503);
  });
});
