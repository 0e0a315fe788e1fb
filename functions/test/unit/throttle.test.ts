import { expect } from "chai";
import { LIMITS } from "../../src/config.js";
import { DeadlineExceeded } from "../../src/deadlines.js";
import { signup } from "../../src/domain/signup.js";
import { ipShardOf, lockSeconds, THROTTLE_RULES, throttleKeys } from "../../src/domain/throttle.js";
import { toAppError } from "../../src/errors.js";
import { failure } from "./failure.js";
import { world } from "./fakes.js";
import { login } from "./sign-in.js";

const email = "grace@example.com";
const password = "correct horse battery";
const wrong = "not the password at all";

async function registered() {
  const w = world();
  await signup({ email, password }, w.deps);
  return w;
}

const codes = async (attempts: Promise<unknown>[]) => (await Promise.all(attempts.map((a) => failure(a)))).map((e) => e.code);

describe("throttling (policy and login, in-memory fakes, manual clock)", () => {
  it("lock length: free allowance, then doubling, capped", () => {
    const rule = THROTTLE_RULES.account_ip;
    expect([1, 5].map((f) => lockSeconds(rule, f))).to.deep.equal([0, 0]);
    expect([6, 7, 8].map((f) => lockSeconds(rule, f))).to.deep.equal([2, 4, 8]);
    expect(lockSeconds(rule, 1000)).to.equal(rule.capSeconds);
  });

  it("keys hash the email key, network and window: no address or email in a document id; a new window is a new key", () => {
    const w0 = world();
    const now = new Date("2026-11-28T10:00:00Z");
    const keys = throttleKeys(w0.keys, "k".repeat(64), "203.0.113.9", now);
    expect(keys.map((k) => k.dimension)).to.deep.equal(["account", "account_ip", "ip"]);
    for (const key of keys)
      expect(key.id)
        .to.match(/^[0-9a-f]{64}$/)
        .and.not.include("203.0.113");
    expect(throttleKeys(w0.keys, "k".repeat(64), undefined, now).map((k) => k.dimension)).to.deep.equal(["account"]);
    const nextHour = throttleKeys(w0.keys, "k".repeat(64), "203.0.113.9", new Date("2026-11-28T11:00:00Z"));
    expect(nextHour.map((k) => k.id)).to.not.include.members(keys.map((k) => k.id));
  });

  it("after the allowance, guesses from one network get 429 with Retry-After; the right password waits too", async () => {
    const w = await registered();
    const ip = "203.0.113.7";
    for (let i = 0; i < THROTTLE_RULES.account_ip.free + 1; i++) {
      expect((await failure(login({ email, password: wrong, clientNetwork: ip }, w.deps))).code).to.equal("invalid_credentials");
    }
    const limited = await failure(login({ email, password, clientNetwork: ip }, w.deps));
    expect(limited.code).to.equal("too_many_requests");
    expect(limited.details.retryAfterSeconds).to.equal(2);
    w.clock.advance(2);
    await login({ email, password, clientNetwork: ip }, w.deps);
  });

  it("unknown accounts are throttled exactly like real ones", async () => {
    const w = await registered();
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 8; i++) {
      known.push((await failure(login({ email, password: wrong, clientNetwork: "198.51.100.1" }, w.deps))).code);
      unknown.push((await failure(login({ email: "nobody@example.com", password: wrong, clientNetwork: "198.51.100.2" }, w.deps))).code);
    }
    expect(unknown).to.deep.equal(known);
  });

  it("a burst of concurrent guesses cannot outrun the counters: only the allowance is checked, the rest get 429 before any hash", async () => {
    const w = await registered();
    const verifiesBefore = w.hasher.verifications;
    const results = await codes(Array.from({ length: 40 }, () => login({ email, password: wrong, clientNetwork: "203.0.113.9" }, w.deps)));
    // Each reservation reads back a count at least its own rank: at most the allowance can read
    // one within it. (Here every read follows every increment, so none does: a burst is refused
    // whole, which is the safe side.)
    const checked = results.filter((c) => c === "invalid_credentials").length;
    expect(checked).to.be.at.most(THROTTLE_RULES.account_ip.free + 1);
    expect(results.filter((c) => c === "too_many_requests")).to.have.length(40 - checked);
    expect(w.hasher.verifications - verifiesBefore).to.equal(checked);
    // The refused reservations were given back: the account is not locked by refused requests.
    if (checked === 0) await login({ email, password, clientNetwork: "203.0.113.9" }, w.deps);
  });

  it("a distributed attack on one account (many networks) is stopped by the account counter; its locks are short", async () => {
    const w = await registered();
    const results: string[] = [];
    for (let i = 0; i < THROTTLE_RULES.account.free + 3; i++) {
      results.push((await failure(login({ email, password: wrong, clientNetwork: `192.0.2.${i + 1}` }, w.deps))).code);
    }
    expect(results.slice(0, THROTTLE_RULES.account.free + 1).every((c) => c === "invalid_credentials")).to.equal(true);
    expect(results.at(-1)).to.equal("too_many_requests");
    const limited = await failure(login({ email, password, clientNetwork: "192.0.2.200" }, w.deps));
    expect(limited.details.retryAfterSeconds).to.be.at.most(THROTTLE_RULES.account.capSeconds);
  });

  it("lockout button closed: a network the owner logged in from before skips the account-wide lock; the attacker stays stopped", async () => {
    const w = await registered();
    const home = "203.0.113.100";
    await login({ email, password, clientNetwork: home }, w.deps); // trusted from now on
    for (let i = 0; i < THROTTLE_RULES.account.free + 5; i++) {
      await failure(login({ email, password: wrong, clientNetwork: `192.0.2.${i + 1}` }, w.deps));
    }
    // The attacker, from a new network, is refused before any check.
    expect((await failure(login({ email, password, clientNetwork: "192.0.2.250" }, w.deps))).code).to.equal("too_many_requests");
    // The owner, from home, gets in.
    await login({ email, password, clientNetwork: home }, w.deps);
  });

  it("shared networks: the address counter counts distinct failing accounts per shard, forgives typos, and shuts only the sprayed shard", async () => {
    const w = world();
    const shared = "198.51.100.50"; // e.g. a school's NAT, or FlutterFlow's test-mode proxy
    const shardOf = (address: string) => ipShardOf(w.deps.keys.email(address));
    const target = shardOf("victim@example.com");
    const candidates = Array.from({ length: 400 }, (_, i) => `user${i}@example.com`);
    const outside = candidates.filter((a) => shardOf(a) !== target).slice(0, 2);
    const inside = candidates.find((a) => shardOf(a) === target) ?? "";
    for (const user of [...outside, inside]) await signup({ email: user, password, clientNetwork: shared }, w.deps); // trusted there
    // A user's typo followed by a success is forgiven: the shard gets its count back.
    await signup({ email: "kid@example.com", password }, w.deps);
    await failure(login({ email: "kid@example.com", password: wrong, clientNetwork: shared }, w.deps));
    await login({ email: "kid@example.com", password, clientNetwork: shared }, w.deps);
    // Accounts that never succeed, all in one shard: one account guessed many times counts once ...
    for (let i = 0; i < 5; i++) await failure(login({ email: "victim@example.com", password: wrong, clientNetwork: shared }, w.deps));
    // ... and distinct failing accounts of that shard shut it.
    const sameShard = Array.from({ length: 400 }, (_, i) => `typo${i}@example.com`).filter((a) => shardOf(a) === target);
    const codes: string[] = [];
    for (const address of sameShard.slice(0, THROTTLE_RULES.ip.free + 1)) {
      codes.push((await failure(login({ email: address, password: wrong, clientNetwork: shared }, w.deps))).code);
    }
    expect(codes).to.deep.equal([
      ...Array(THROTTLE_RULES.ip.free - 1).fill("invalid_credentials"),
      "invalid_credentials",
      "too_many_requests",
    ]);
    // Other shards of the same network stay open, to new and returning accounts alike ...
    const other = Array.from({ length: 400 }, (_, i) => `other${i}@example.com`).find((a) => shardOf(a) !== target) ?? "";
    expect((await failure(login({ email: other, password: wrong, clientNetwork: shared }, w.deps))).code).to.equal("invalid_credentials");
    for (const user of outside) await login({ email: user, password, clientNetwork: shared }, w.deps);
    // ... while the shut shard waits, trusted accounts too (on this network only: a sprayer behind
    // the same NAT targets exactly those), and from home the same account gets in.
    expect((await failure(login({ email: inside, password, clientNetwork: shared }, w.deps))).code).to.equal("too_many_requests");
    await login({ email: inside, password, clientNetwork: "203.0.113.99" }, w.deps);
  });

  it("every check is reserved before its hash; a success clears its pair's counter, gives the rest back and forgives its typo", async () => {
    const w = await registered();
    await failure(login({ email, password: wrong, clientNetwork: "203.0.113.1" }, w.deps));
    await login({ email, password, clientNetwork: "203.0.113.1" }, w.deps);
    // account: the failure stays, the success given back; account_ip: cleared; ip: the typo forgiven.
    const counts = [...w.throttle.counters.values()].map((c) => c.count).sort();
    expect(counts).to.deep.equal([0, 1]);
  });

  it("counters start over in the next window", async () => {
    const w = await registered();
    for (let i = 0; i < 7; i++) await failure(login({ email, password: wrong, clientNetwork: "203.0.113.2" }, w.deps));
    w.clock.advance(THROTTLE_RULES.account_ip.windowSeconds + THROTTLE_RULES.account_ip.capSeconds);
    expect((await failure(login({ email, password: wrong, clientNetwork: "203.0.113.2" }, w.deps))).code).to.equal("invalid_credentials");
  });

  it("password change and deletion share the login counters: a stolen session cannot guess the password", async () => {
    const w = world();
    const created = await signup({ email, password }, w.deps);
    const { changePassword } = await import("../../src/domain/account.js");
    const results: string[] = [];
    for (let i = 0; i < 7; i++) {
      const attempt = changePassword(
        created.user.id,
        { currentPassword: wrong, newPassword: "a new good one", clientNetwork: "203.0.113.4" },
        w.deps,
      );
      results.push((await failure(attempt)).code);
    }
    expect(results).to.deep.equal([...Array(6).fill("invalid_credentials"), "too_many_requests"]);
    expect((await failure(login({ email, password, clientNetwork: "203.0.113.4" }, w.deps))).code).to.equal("too_many_requests");
  });

  it("signups per network: past the allowance 429 before any hash; a 409 counts as a failure of the network", async () => {
    const w = world();
    const net = "198.51.100.77";
    for (let i = 0; i < THROTTLE_RULES.signup_ip.free + 1; i++)
      await signup({ email: `s${i}@example.com`, password, clientNetwork: net }, w.deps);
    const hashesBefore = w.hasher.hashes;
    expect((await failure(signup({ email: "late@example.com", password, clientNetwork: net }, w.deps))).code).to.equal("too_many_requests");
    expect(w.hasher.hashes).to.equal(hashesBefore);
    // 409s from another network: each counts on that network's address counter, like an account
    // that failed to log in from it.
    const prober = "198.51.100.78";
    await signup({ email: "taken@example.com", password }, w.deps);
    // Past the repeat window the 409 involves no password check (a recent account's would be a
    // login attempt, under the login counters: signup.test.ts).
    w.clock.advance(LIMITS.signupRetrySeconds + 1);
    for (let i = 0; i < THROTTLE_RULES.ip.free + 1; i++) {
      expect((await failure(signup({ email: "taken@example.com", password, clientNetwork: prober }, w.deps))).code).to.equal(
        "email_exists",
      );
    }
    // The probed email's shard of the prober's network is shut.
    expect((await failure(login({ email: "taken@example.com", password: wrong, clientNetwork: prober }, w.deps))).code).to.equal(
      "too_many_requests",
    );
  });

  it("fails closed: a reservation that cannot be written is never a free guess (contention 429, an outage 503)", async () => {
    const w = await registered();
    w.faults.failAt("throttle.record", Object.assign(new Error("contention"), { code: 10 }));
    const error = await failure(login({ email, password: wrong, clientNetwork: "203.0.113.3" }, w.deps));
    expect([error.code, error.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 1]);
    w.faults.failAt("throttle.record", new DeadlineExceeded("no answer"));
    const outage = await login({ email, password: wrong, clientNetwork: "203.0.113.3" }, w.deps).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(toAppError(outage).code).to.equal("unavailable");
    expect(w.hasher.verifications).to.equal(0); // neither was checked
  });
});
