import { expect } from "chai";
import { requestEmailVerification } from "../../src/domain/email-verification.js";
import { requestPasswordReset } from "../../src/domain/password-reset.js";
import { refresh } from "../../src/domain/refresh.js";
import { signup } from "../../src/domain/signup.js";
import { reserveMailRequest, THROTTLE_RULES } from "../../src/domain/throttle.js";
import { failure, rejection } from "./failure.js";
import { world } from "./fakes.js";
import { login } from "./sign-in.js";

// SEND_VERIFICATION_ON_SIGNUP and REQUIRE_VERIFIED_EMAIL, and what a mail that cannot go does.
const email = "ada@example.com";
const password = "correct horse battery";

describe("verification settings (in-memory fakes)", () => {
  describe("SEND_VERIFICATION_ON_SIGNUP", () => {
    it("signup signs in and mails a verification code in the request's language", async () => {
      const w = world({ sendOnSignup: true, required: false });
      const result = await signup({ email, password, language: "de" }, w.deps);
      expect(result.jwtToken).to.not.equal("");
      expect(w.mailer.sent.map((m) => [m.to, m.subject])).to.deep.equal([[email, "Acme: Ihr Bestätigungscode"]]);
      expect(w.mailer.codeFor(email)).to.match(/^[0-9]{6}$/);
    });

    it("a mail that cannot go: the signup stands, the failure is logged, and the code is withdrawn so a request works at once", async () => {
      const w = world({ sendOnSignup: true, required: false });
      w.faults.failAt("mailer.send");
      const result = await signup({ email, password }, w.deps);
      expect(w.events.seen).to.include(`follow_up_failed:send_verification:${result.user.id}`);
      w.faults.heal();
      expect(await requestEmailVerification(result.user.id, { language: "en" }, w.deps)).to.deep.equal({ alreadyVerified: false });
    });

    it("off: signup mails nothing", async () => {
      const w = world({ sendOnSignup: false, required: false });
      await signup({ email, password }, w.deps);
      expect(w.mailer.sent).to.deep.equal([]);
    });
  });

  describe("REQUIRE_VERIFIED_EMAIL", () => {
    it("signup makes the account without a session, mails a code and answers 403 email_not_verified", async () => {
      const w = world({ sendOnSignup: false, required: true });
      const refused = await failure(signup({ email, password }, w.deps));
      expect([refused.code, refused.status]).to.deep.equal(["email_not_verified", 403]);
      expect(w.store.sizes()).to.deep.equal({ credentials: 1, accounts: 1, users: 1, sessions: 0 });
      expect(w.minter.minted).to.have.length(0);
      expect(w.mailer.codeFor(email)).to.match(/^[0-9]{6}$/);
    });

    it("login: 403 without the code (no second mail inside the resend interval), invalid_code with a wrong one, signed in and verified with the right one", async () => {
      const w = world({ sendOnSignup: false, required: true });
      await failure(signup({ email, password }, w.deps));
      const code = w.mailer.codeFor(email);
      expect((await failure(login({ email, password }, w.deps))).code).to.equal("email_not_verified");
      expect((await failure(login({ email, password, code: "" }, w.deps))).code, '"" is no code').to.equal("email_not_verified");
      expect(w.mailer.sent).to.have.length(1);
      const wrong = code === "000000" ? "000001" : "000000";
      expect((await failure(login({ email, password, code: wrong }, w.deps))).code).to.equal("invalid_code");
      const result = await login({ email, password, code }, w.deps);
      expect(result.user.emailVerified).to.equal(true);
      expect(w.authUsers.emailVerified.has(result.user.id)).to.equal(true);
      expect((await login({ email, password }, w.deps)).user.emailVerified, "verified once, for good").to.equal(true);
    });

    it("wrong codes sent with the right password are throttled like wrong passwords (the gate's refusal settles nothing)", async () => {
      const w = world({ sendOnSignup: false, required: true });
      await failure(signup({ email, password }, w.deps));
      const code = w.mailer.codeFor(email);
      const wrong = code === "000000" ? "000001" : "000000";
      const answers: string[] = [];
      for (let i = 0; i < 8; i++)
        answers.push((await failure(login({ email, password, code: wrong, clientNetwork: "203.0.113.7" }, w.deps))).code);
      expect(answers).to.include("too_many_requests");
      expect(answers.indexOf("too_many_requests"), "refused within the pair's allowance").to.be.below(6);
    });

    it("a code past the resend interval: login mails a new one", async () => {
      const w = world({ sendOnSignup: false, required: true });
      await failure(signup({ email, password }, w.deps));
      w.clock.advance(61);
      expect((await failure(login({ email, password }, w.deps))).code).to.equal("email_not_verified");
      expect(w.mailer.sent).to.have.length(2);
    });

    it("a wrong password is invalid_credentials as always: no mail, nothing said about verification", async () => {
      const w = world({ sendOnSignup: false, required: true });
      await failure(signup({ email, password }, w.deps));
      expect((await failure(login({ email, password: "not the password", code: "123456" }, w.deps))).code).to.equal("invalid_credentials");
      expect(w.mailer.sent).to.have.length(1);
    });

    it("turned on later: a session of an unverified account ends at its next refresh (403)", async () => {
      const w = world({ sendOnSignup: false, required: false });
      const { refreshToken } = await signup({ email, password }, w.deps);
      const strict = { ...w.deps, verification: { sendOnSignup: false, required: true } };
      expect((await failure(refresh({ refreshToken }, strict))).code).to.equal("email_not_verified");
    });
  });

  describe("every mail with a code counts on the network's mail counter (mail_ip, 100 an hour)", () => {
    const N = "203.0.113.9";
    /** A world whose throttle ids show their parts, so the network's mail counter can be read. */
    function counted(verification: { sendOnSignup: boolean; required: boolean }) {
      const w = world(verification);
      const deps = { ...w.deps, keys: { ...w.deps.keys, throttle: (parts: readonly string[]) => parts.join("|") } };
      const mailCount = () => w.throttle.counters.get(`mail_ip|${N}|${Math.floor(w.clock.now().getTime() / 3_600_000)}`)?.count ?? 0;
      const spend = async () => {
        while (mailCount() <= THROTTLE_RULES.mail_ip.free) await reserveMailRequest(deps, N, w.clock.now()); // the 101st sets the lock
      };
      return { w, deps, mailCount, spend };
    }

    it("SEND_VERIFICATION_ON_SIGNUP: signup's mail counts; with the counter spent the signup stands, signed in, without a mail (logged)", async () => {
      const { w, deps, mailCount, spend } = counted({ sendOnSignup: true, required: false });
      await signup({ email, password, clientNetwork: N }, deps);
      expect([mailCount(), w.mailer.sent.length]).to.deep.equal([1, 1]);
      await spend();
      const result = await signup({ email: "bea@example.com", password, clientNetwork: N }, deps);
      expect(result.jwtToken, "signed in").to.not.equal("");
      expect(w.mailer.sent, "no second mail").to.have.length(1);
      expect(w.events.seen).to.include(`follow_up_failed:send_verification:${result.user.id}`);
      expect(w.store.sizes().accounts).to.equal(2);
    });

    it("REQUIRE_VERIFIED_EMAIL, counter spent: signup still makes the account (403, no mail); login answers 429 until the lock ends, then mails the code", async () => {
      const { w, deps, spend } = counted({ sendOnSignup: false, required: true });
      await spend();
      const refused = await failure(signup({ email, password, clientNetwork: N }, deps));
      expect(refused.code).to.equal("email_not_verified");
      expect(w.store.sizes()).to.deep.equal({ credentials: 1, accounts: 1, users: 1, sessions: 0 });
      expect(w.mailer.sent).to.have.length(0);
      const held = await failure(login({ email, password, clientNetwork: N }, deps));
      expect([held.status, held.code, held.details.retryAfterSeconds]).to.deep.equal([429, "too_many_requests", 60]);
      expect(w.mailer.sent).to.have.length(0);
      w.clock.advance(61);
      expect((await failure(login({ email, password, clientNetwork: N }, deps))).code).to.equal("email_not_verified");
      const result = await login({ email, password, clientNetwork: N, code: w.mailer.codeFor(email) }, deps);
      expect(result.user.emailVerified).to.equal(true);
    });

    it("REQUIRE_VERIFIED_EMAIL, the login gate's mail counts; spent: 429 with Retry-After and no mail, and the code mailed before still signs in", async () => {
      const { w, deps, mailCount, spend } = counted({ sendOnSignup: false, required: true });
      await failure(signup({ email, password, clientNetwork: "198.51.100.7" }, deps));
      w.clock.advance(61); // past the resend interval: the gate mails a new code
      expect((await failure(login({ email, password, clientNetwork: N }, deps))).code).to.equal("email_not_verified");
      expect([mailCount(), w.mailer.sent.length]).to.deep.equal([1, 2]);
      const code = w.mailer.codeFor(email);
      w.clock.advance(61);
      await spend();
      const held = await failure(login({ email, password, clientNetwork: N }, deps));
      expect([held.status, held.code, held.details.retryAfterSeconds]).to.deep.equal([429, "too_many_requests", 60]);
      expect(w.mailer.sent, "no mail").to.have.length(2);
      const result = await login({ email, password, clientNetwork: N, code }, deps);
      expect(result.user.emailVerified).to.equal(true);
    });
  });

  describe("a mail that cannot go", () => {
    it("password reset request: answered as for an unknown email (no error), logged; the resend interval holds as for an unknown email", async () => {
      const w = world();
      const { user } = await signup({ email, password }, w.deps);
      w.faults.failAt("mailer.send");
      await requestPasswordReset({ email, language: "en" }, w.deps);
      expect(w.events.seen).to.include(`follow_up_failed:send_reset_code:${user.id}`);
      const again = await failure(requestPasswordReset({ email, language: "en" }, w.deps));
      expect(again.code).to.equal("too_many_requests");
    });

    it("verification request (signed in): the failure is thrown, and nothing is left to wait for", async () => {
      const w = world();
      const { user } = await signup({ email, password }, w.deps);
      w.faults.failAt("mailer.send");
      await rejection(requestEmailVerification(user.id, { language: "en" }, w.deps));
      w.faults.heal();
      expect(await requestEmailVerification(user.id, { language: "en" }, w.deps)).to.deep.equal({ alreadyVerified: false });
    });
  });
});
