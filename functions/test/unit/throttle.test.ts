import { expect } from "chai";
import { login } from "../../src/domain/login.js";
import { signup } from "../../src/domain/signup.js";
import { lockSeconds, THROTTLE_RULES, throttleKeys } from "../../src/domain/throttle.js";
import { failure } from "./failure.js";
import { world } from "./fakes.js";

const email = "grace@example.com";
const password = "correct horse battery";
const wrong = "not the password at all";

async function registered() {
  const w = world();
  await signup({ email, password }, w.signupDeps);
  return w;
}

describe("throttling (policy and login, in-memory fakes, manual clock)", () => {
  it("lock length: free allowance, then doubling, capped", () => {
    const rule = THROTTLE_RULES.account_ip;
    expect([1, 5].map((f) => lockSeconds(rule, f))).to.deep.equal([0, 0]);
    expect([6, 7, 8].map((f) => lockSeconds(rule, f))).to.deep.equal([2, 4, 8]);
    expect(lockSeconds(rule, 1000)).to.equal(rule.capSeconds);
  });

  it("keys hash the email key and address: no address or email in a document id", () => {
    const keys = throttleKeys("k".repeat(64), "203.0.113.9");
    expect(keys.map((k) => k.dimension)).to.deep.equal(["account", "account_ip", "ip"]);
    for (const key of keys) expect(key.id).to.match(/^[0-9a-f]{64}$/).and.not.include("203.0.113");
    expect(throttleKeys("k".repeat(64), undefined).map((k) => k.dimension)).to.deep.equal(["account"]);
  });

  it("after the allowance, failures from one address get 429 with Retry-After; the right password waits too", async () => {
    const w = await registered();
    const ip = "203.0.113.7";
    for (let i = 0; i < THROTTLE_RULES.account_ip.free + 1; i++) {
      expect((await failure(login({ email, password: wrong, clientIp: ip }, w.loginDeps))).code).to.equal("invalid_credentials");
    }
    const limited = await failure(login({ email, password, clientIp: ip }, w.loginDeps));
    expect(limited.code).to.equal("too_many_requests");
    expect(limited.details.retryAfterSeconds).to.equal(2);
    w.clock.advance(2);
    await login({ email, password, clientIp: ip }, w.loginDeps);
  });

  it("unknown accounts are throttled exactly like real ones", async () => {
    const w = await registered();
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 8; i++) {
      known.push((await failure(login({ email, password: wrong, clientIp: "198.51.100.1" }, w.loginDeps))).code);
      unknown.push((await failure(login({ email: "nobody@example.com", password: wrong, clientIp: "198.51.100.2" }, w.loginDeps))).code);
    }
    expect(unknown).to.deep.equal(known);
    expect(known.at(-1)).to.equal("too_many_requests");
  });

  it("a distributed attack on one account is slowed by the account counter, with short locks", async () => {
    const w = await registered();
    for (let i = 0; i < THROTTLE_RULES.account.free; i++) {
      await failure(login({ email, password: wrong, clientIp: `192.0.2.${i + 1}` }, w.loginDeps));
    }
    await failure(login({ email, password: wrong, clientIp: "192.0.2.200" }, w.loginDeps));
    const limited = await failure(login({ email, password, clientIp: "192.0.2.201" }, w.loginDeps));
    expect(limited.code).to.equal("too_many_requests");
    expect(limited.details.retryAfterSeconds).to.be.at.most(THROTTLE_RULES.account.capSeconds);
  });

  it("a successful login resets the account counters and writes nothing when there was nothing to reset", async () => {
    const w = await registered();
    await login({ email, password, clientIp: "203.0.113.1" }, w.loginDeps);
    expect(w.throttle.writes).to.equal(0);
    await failure(login({ email, password: wrong, clientIp: "203.0.113.1" }, w.loginDeps));
    expect(w.throttle.writes).to.equal(1); // one commit per failure
    await login({ email, password, clientIp: "203.0.113.1" }, w.loginDeps);
    expect(w.throttle.writes).to.equal(2); // the reset
    expect(w.throttle.counters.size).to.equal(1); // the address counter stays
  });

  it("counters start over after their window", async () => {
    const w = await registered();
    for (let i = 0; i < 7; i++) await failure(login({ email, password: wrong, clientIp: "203.0.113.2" }, w.loginDeps));
    w.clock.advance(THROTTLE_RULES.account_ip.windowSeconds + 1);
    expect((await failure(login({ email, password: wrong, clientIp: "203.0.113.2" }, w.loginDeps))).code).to.equal("invalid_credentials");
  });

  it("password change and deletion share the login counters: a stolen session cannot guess the password", async () => {
    const w = world();
    const created = await signup({ email, password }, w.signupDeps);
    const { changePassword } = await import("../../src/domain/account.js");
    const codes: string[] = [];
    for (let i = 0; i < 7; i++) {
      const attempt = changePassword(created.user.id, { currentPassword: wrong, newPassword: "a new good one", clientIp: "203.0.113.4" }, w.accountDeps);
      codes.push((await failure(attempt)).code);
    }
    expect(codes).to.deep.equal([...Array(6).fill("invalid_credentials"), "too_many_requests"]);
    expect((await failure(login({ email, password, clientIp: "203.0.113.4" }, w.loginDeps))).code).to.equal("too_many_requests");
  });

  it("fails closed: a counter that cannot be written answers 429, not another free guess", async () => {
    const w = await registered();
    w.faults.failAt("throttle.record", Object.assign(new Error("contention"), { code: 10 }));
    const error = await failure(login({ email, password: wrong, clientIp: "203.0.113.3" }, w.loginDeps));
    expect([error.code, error.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 1]);
  });
});
