import { expect } from "chai";
import {
  IP_SHARDS,
  ipShardOf,
  lockSeconds,
  THROTTLE_RULES,
  TRUST_SECONDS,
  throttleKeys,
  tooManyRequests,
  trustIdOf,
} from "../../src/domain/throttle.js";

// The throttle's pure parts with every number written out: the rule table, the lock ladder, the
// window arithmetic (document ids and expiry) and the trust period. Expected values are literals,
// never read back from THROTTLE_RULES, so a changed constant or a changed formula fails here.

/** Ids that show their parts instead of an HMAC, so a test can read which window a key is in. */
const plainKeys = { email: (canonical: string) => canonical, throttle: (parts: readonly string[]) => parts.join("|") };

const at = (iso: string) => new Date(iso);

describe("pinned: throttle rules, lock ladder and windows", () => {
  it("the rule table: allowances, first locks, caps and one-hour windows", () => {
    expect(THROTTLE_RULES).to.deep.equal({
      account_ip: { free: 5, baseSeconds: 2, capSeconds: 3600, windowSeconds: 3600 },
      account: { free: 10, baseSeconds: 2, capSeconds: 900, windowSeconds: 3600 },
      ip: { free: 5, baseSeconds: 0, capSeconds: 0, windowSeconds: 3600, busySeconds: 60 },
      signup_ip: { free: 100, baseSeconds: 60, capSeconds: 3600, windowSeconds: 3600 },
      mail_ip: { free: 100, baseSeconds: 60, capSeconds: 3600, windowSeconds: 3600 },
      mail_address: { free: 5, baseSeconds: 60, capSeconds: 3600, windowSeconds: 3600 },
    });
  });

  it("a successful login trusts its network for exactly 90 days", () => {
    expect(TRUST_SECONDS).to.equal(7_776_000);
  });

  it("account_ip: 5 free checks, then 2, 4, 8 ... seconds, capped at one hour", () => {
    const rule = THROTTLE_RULES.account_ip;
    const ladder = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 18, 40, 1_000_000].map((count) => lockSeconds(rule, count));
    expect(ladder).to.deep.equal([0, 0, 0, 0, 0, 0, 2, 4, 8, 16, 32, 1024, 2048, 3600, 3600, 3600, 3600]);
  });

  it("account: 10 free checks, then doubling from 2 s, capped at 15 minutes", () => {
    const rule = THROTTLE_RULES.account;
    expect([10, 11, 12, 13, 18, 19, 20, 99].map((count) => lockSeconds(rule, count))).to.deep.equal([0, 2, 4, 8, 256, 512, 900, 900]);
  });

  it("ip: never locks (its count alone refuses past 6 checks of distinct accounts per shard); signup_ip: 100 signups free, then 60 s, 120 s ... one hour", () => {
    expect([5, 6, 7, 1000].map((count) => lockSeconds(THROTTLE_RULES.ip, count))).to.deep.equal([0, 0, 0, 0]);
    expect(IP_SHARDS).to.equal(16);
    // Spread: an account's shard is fixed by its email key; 1,600 keys fill every shard, none with more than 1.5x its share.
    const load = new Array<number>(16).fill(0);
    for (let i = 0; i < 1600; i++) load[ipShardOf(`key-${i}`)] = (load[ipShardOf(`key-${i}`)] ?? 0) + 1;
    expect(Math.min(...load)).to.be.greaterThan(50);
    expect(Math.max(...load)).to.be.lessThan(150);
    expect([ipShardOf("EK"), ipShardOf("k".repeat(64))]).to.deep.equal([ipShardOf("EK"), ipShardOf("k".repeat(64))]);
    expect([100, 101, 102, 103, 105, 106, 107].map((count) => lockSeconds(THROTTLE_RULES.signup_ip, count))).to.deep.equal([
      0, 60, 120, 240, 960, 1920, 3600,
    ]);
  });

  it("lock length of any rule: no lock within the allowance, base * 2^(count - free - 1) past it, capped", () => {
    const rule = { free: 3, baseSeconds: 5, capSeconds: 1000, windowSeconds: 60 };
    expect([3, 4, 5, 6, 7, 8, 9].map((count) => lockSeconds(rule, count))).to.deep.equal([0, 5, 10, 20, 40, 80, 160]);
    expect(lockSeconds(rule, 11)).to.equal(640);
    expect(lockSeconds(rule, 12)).to.equal(1000);
    // The exponent stops at 30: a huge count gives the cap, never Infinity or NaN.
    expect(lockSeconds({ ...rule, capSeconds: Number.MAX_SAFE_INTEGER }, 10_000)).to.equal(5 * 2 ** 30);
  });

  it("keys: one per dimension, named by dimension, parts and the window's number (hours since the epoch)", () => {
    const keys = throttleKeys(plainKeys, "EK", "203.0.113.9", at("2026-11-28T10:00:00Z"));
    expect(keys.map((key) => [key.dimension, key.id])).to.deep.equal([
      ["account", "account|EK|498850"],
      ["account_ip", "account_ip|EK|203.0.113.9|498850"],
      ["ip", `ip|203.0.113.9|shard${ipShardOf("EK")}|498850`],
    ]);
    expect(throttleKeys(plainKeys, "EK", undefined, at("2026-11-28T10:00:00Z")).map((key) => key.id)).to.deep.equal(["account|EK|498850"]);
  });

  it("a window is exactly 3600 s: 3599.999 s after its start is the same window, 3600 s the next", () => {
    const ids = (iso: string) => throttleKeys(plainKeys, "EK", "203.0.113.9", at(iso)).map((key) => key.id);
    const start = ids("2026-11-28T10:00:00.000Z");
    expect(ids("2026-11-28T10:59:59.000Z")).to.deep.equal(start);
    expect(ids("2026-11-28T10:59:59.999Z")).to.deep.equal(start);
    expect(ids("2026-11-28T11:00:00.000Z")).to.deep.equal([
      "account|EK|498851",
      "account_ip|EK|203.0.113.9|498851",
      `ip|203.0.113.9|shard${ipShardOf("EK")}|498851`,
    ]);
    expect(ids("2026-11-28T09:59:59.999Z")[0]).to.equal("account|EK|498849");
  });

  it("a counter document expires at its window's end plus the rule's longest lock", () => {
    const expiries = (iso: string) =>
      throttleKeys(plainKeys, "EK", "203.0.113.9", at(iso)).map((key) => [key.dimension, key.expiresAt.toISOString()]);
    const expected = [
      ["account", "2026-11-28T11:15:00.000Z"], // window end 11:00 + 15 min cap
      ["account_ip", "2026-11-28T12:00:00.000Z"], // window end 11:00 + 1 h cap
      ["ip", "2026-11-28T11:00:00.000Z"], // no lock: the window's end
    ];
    expect(expiries("2026-11-28T10:00:00Z")).to.deep.equal(expected);
    expect(expiries("2026-11-28T10:37:12.345Z")).to.deep.equal(expected);
    expect(expiries("2026-11-28T10:59:59.999Z")).to.deep.equal(expected);
    expect(expiries("2026-11-28T11:00:00Z")[0]).to.deep.equal(["account", "2026-11-28T12:15:00.000Z"]);
  });

  it("the trust marker of an account on a network", () => {
    expect(trustIdOf(plainKeys, "EK", "203.0.113.9")).to.equal("trusted|EK|203.0.113.9");
  });

  it("429 names the seconds to wait in its message and its details", () => {
    const error = tooManyRequests(7);
    expect(error.code).to.equal("too_many_requests");
    expect(error.message).to.equal("Too many attempts. Try again in 7 seconds.");
    expect(error.details.retryAfterSeconds).to.equal(7);
  });
});
