import { readFileSync } from "node:fs";
import { expect } from "chai";
import { secretsSeen } from "./helpers.js";

// Runs last (.mocharc.emulator.cjs sorts the files): everything the functions logged during this suite - the
// emulators' output, which carries the functions' structured logs - must contain no password,
// no password hash, no custom or ID token and no refresh token.
describe("nothing secret in the logs of the whole emulator suite", () => {
  it("the log has none of the passwords sent or tokens received, and no Argon2 hash or JWT", async () => {
    const path = process.env.STACK_LOG;
    if (path === undefined) throw new Error("STACK_LOG is not set: run through `npm test`");
    await new Promise((r) => setTimeout(r, 1000)); // let the emulator flush its output
    const log = readFileSync(path, "utf8");
    expect(log, "the log should hold the functions' own output").to.include("Beginning execution");
    // The smallest suite (EMULATOR_SUITE=faults) sees about 10; a broken collection sees none.
    expect(secretsSeen.size, "the suite should have seen secrets").to.be.greaterThan(5);
    const leaked = [...secretsSeen].filter((secret) => log.includes(secret));
    expect(leaked.map((s) => `${s.slice(0, 6)}... (${s.length} chars)`)).to.deep.equal([]);
    expect(log).to.not.match(/\$argon2id\$v=\d+\$m=/);
    expect(log).to.not.match(/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}/);
  });

  it("every kind of security event the suite caused is in the log, as one structured event without an email address", async function () {
    // The fault-injection suite alone causes only a few of them; the main suite causes all.
    if (process.env.EMULATOR_SUITE === "faults") this.skip();
    const log = readFileSync(process.env.STACK_LOG ?? "", "utf8");
    const events = [
      "login_failed",
      "throttled",
      "locked",
      "password_changed",
      "role_changed",
      "account_disabled",
      "refresh_token_reused",
      "account_deleted",
      "sessions_capped",
      "password_reset_requested",
      "password_reset",
      "account_reclaimed",
      "code_rejected",
      "email_verified",
      "email_change_requested",
      "email_changed",
      "mfa_enabled",
      "mfa_disabled",
      "mfa_rejected",
      "recovery_code_used",
      "recovery_codes_renewed",
      "session_ended",
      "other_sessions_ended",
      "login_code_requested",
      // account_created_by_code (LOGIN_CODE_SIGNUP) and app_check_failed (APP_CHECK) happen only in
      // Functions Framework instances started with those settings, whose output is not this log:
      // login-code and app-check.emulator.test.ts read them from those instances' output.
    ];
    const missing = events.filter((event) => !log.includes(`"event":"${event}"`));
    expect(missing, "security events not found in the suite's log").to.deep.equal([]);
    const lines = log.split("\n").filter((line) => line.includes('"security":true'));
    expect(lines.length).to.be.greaterThan(events.length);
    for (const line of lines)
      expect(line, "a security event carries an email address").to.not.match(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
  });
});
