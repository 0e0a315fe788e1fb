import { expect } from "chai";
import type { Counter, CounterWrite, SecurityEvent, ThrottleKey, ThrottleSettlement } from "../../src/domain/model.js";
import { refresh } from "../../src/domain/refresh.js";
import { signup } from "../../src/domain/signup.js";
import { beginPasswordAttempt, beginSignup, ipShardOf, reserveMailRequest } from "../../src/domain/throttle.js";
import { hashToken, successorToken } from "../../src/domain/tokens.js";
import { AppError } from "../../src/errors.js";
import { rejection } from "./failure.js";
import { MemoryThrottle, world } from "./fakes.js";
import { login } from "./sign-in.js";

// The stateful use cases (throttle reservations, login, refresh) on the in-memory fakes, with
// every number and clock value written out. The only file of the pinned tests that depends on
// test/unit/fakes.ts (world(), MemoryThrottle, the fakes' maps): adapt it when the fakes change.

const N = "203.0.113.9"; // the client network
const M = "198.51.100.7"; // another one
const NOW_ISO = "2026-11-27T12:00:00.000Z"; // the fakes' clock starts here, at the start of an hour
const WINDOW = 498828; // hours since the epoch at NOW_ISO: the throttle window's number

/** Throttle ids that show their parts (dimension|values|window) instead of an HMAC. */
const plainKeys = { email: (canonical: string) => `email:${canonical}`, throttle: (parts: readonly string[]) => parts.join("|") };

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await rejection(promise);
  if (error instanceof AppError) return error;
  throw error;
}

/** A throttle store that records its settle() calls as dimension lists. */
class RecordingThrottle extends MemoryThrottle {
  /** Each settle(): the dimensions given back and cleared, the trust marked, and `release`: the units a pair's release gives its network. */
  readonly settled: { giveBack: string[]; clear: string[]; trust?: { id: string; until: string }; release?: number }[] = [];
  /** Commits of settling writes alone (settle()); the rest went with a session's commit. */
  alone = 0;
  override async settle(settlement: ThrottleSettlement): Promise<boolean> {
    this.alone++;
    return super.settle(settlement);
  }
  override settleNow(settlement: ThrottleSettlement): boolean {
    const { giveBack, clear, trust, release } = settlement;
    this.settled.push({
      giveBack: giveBack.map((key) => key.dimension),
      clear: clear.map((key) => key.dimension),
      ...(trust === undefined ? {} : { trust: { id: trust.id, until: trust.until.toISOString() } }),
      ...(release === undefined ? {} : { release: release.units }),
    });
    return super.settleNow(settlement);
  }
}

/** Reads that happened before a lock was written by a concurrent attempt: they see no counters. */
class StaleReadThrottle extends RecordingThrottle {
  override async read() {
    return { counters: new Map<string, Counter>(), versions: new Map<string, string>(), trustedEpoch: null };
  }
}

/** The `ip` shard counter of `emailKey` on `network`, in the test's window. */
const ipOf = (emailKey: string, network: string) => `ip|${network}|shard${ipShardOf(emailKey)}|${WINDOW}`;

function throttleWorld(store?: (w: ReturnType<typeof world>) => RecordingThrottle) {
  const w = world();
  const throttle = store === undefined ? new RecordingThrottle(w.faults) : store(w);
  w.store.settleWith = throttle; // a login's session commit carries this throttle's settling writes
  const deps = { ...w.deps, throttle, keys: plainKeys };
  const now = () => w.clock.now();
  /** One password check of `emailKey` from `network` (null: no known network). */
  const attempt = (emailKey = "EK", network: string | null = N) => beginPasswordAttempt(deps, emailKey, network ?? undefined, now(), 0);
  const counter = (id: string) => throttle.counters.get(id);
  const events = (kind: SecurityEvent["event"]) => w.events.securityEvents.filter((event) => event.event === kind);
  return { w, throttle, deps, attempt, counter, events };
}

describe("pinned: throttle reservations (in-memory throttle store, manual clock)", () => {
  it("account_ip: 5 free checks; the 6th sets a 2 s lock; the next waits 2 s; the 7th sets 4 s", async () => {
    const t = throttleWorld();
    for (let i = 0; i < 5; i++) await t.attempt();
    expect(t.events("locked")).to.deep.equal([]);
    expect(t.counter(`account_ip|EK|${N}|${WINDOW}`)).to.deep.equal({ count: 5, lockedUntil: null, lockRank: 0, networkUnits: 1 });
    await t.attempt();
    expect(t.events("locked")).to.deep.equal([{ event: "locked", dimension: "account_ip", seconds: 2 }]);
    expect(t.counter(`account_ip|EK|${N}|${WINDOW}`)).to.deep.equal({
      count: 6,
      lockedUntil: new Date("2026-11-27T12:00:02.000Z"),
      lockRank: 6,
      networkUnits: 1,
    });
    const locked = await appError(t.attempt());
    expect([locked.code, locked.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 2]);
    expect(t.events("throttled")).to.deep.equal([{ event: "throttled", dimensions: ["account_ip"], retryAfterSeconds: 2 }]);
    expect(t.counter(`account_ip|EK|${N}|${WINDOW}`)?.count).to.equal(6); // refused before anything is written
    t.w.clock.advance(1.5);
    expect((await appError(t.attempt())).details.retryAfterSeconds).to.equal(1);
    t.w.clock.advance(0.5);
    await t.attempt();
    expect(t.events("locked").at(-1)).to.deep.equal({ event: "locked", dimension: "account_ip", seconds: 4 });
  });

  it("a window is 3600 s: the 6th check at 3599 s is still counted with the first five, at 3600 s it starts over", async () => {
    const same = throttleWorld();
    for (let i = 0; i < 5; i++) await same.attempt();
    same.w.clock.advance(3599);
    await same.attempt();
    expect(same.events("locked")).to.deep.equal([{ event: "locked", dimension: "account_ip", seconds: 2 }]);
    expect((await appError(same.attempt())).details.retryAfterSeconds).to.equal(2);

    const next = throttleWorld();
    for (let i = 0; i < 5; i++) await next.attempt();
    next.w.clock.advance(3600);
    await next.attempt();
    await next.attempt();
    expect(next.events("locked")).to.deep.equal([]);
    expect(next.counter(`account_ip|EK|${N}|${WINDOW + 1}`)?.count).to.equal(2);
  });

  it("the address counter counts an account once per network; the account counter counts every check", async () => {
    const t = throttleWorld();
    await t.attempt("EK", M); // the account's first failure, elsewhere
    await t.attempt("EK", N); // its first failure from N: counts on N
    await t.attempt("EK", N); // a second guess from N: not another account
    expect(t.counter(ipOf("EK", N))?.count).to.equal(1);
    expect(t.counter(ipOf("EK", M))?.count).to.equal(1);
    expect(t.counter(`account|EK|${WINDOW}`)?.count).to.equal(3);
    expect(t.counter(`account_ip|EK|${N}|${WINDOW}`)?.count).to.equal(2);
    await t.attempt("EK2", N); // another account from N (in its own shard)
    expect(
      (t.counter(ipOf("EK", N))?.count ?? 0) + (ipOf("EK2", N) === ipOf("EK", N) ? 0 : (t.counter(ipOf("EK2", N))?.count ?? 0)),
    ).to.equal(2);
  });

  it("a success clears the pair, gives the account and address counters this check back, and trusts the network for 90 days", async () => {
    const t = throttleWorld();
    await t.attempt(); // a failure: the account's first from N, counted on N's shard
    await (await t.attempt()).succeeded();
    // The typo is forgiven: the pair is deleted (only if still as this attempt left it) and the shard gets its unit back.
    expect(t.throttle.settled).to.deep.equal([
      { giveBack: ["account"], clear: [], trust: { id: `trusted|EK|${N}`, until: "2027-02-25T12:00:00.000Z" }, release: 1 },
    ]);
    expect(t.counter(`account_ip|EK|${N}|${WINDOW}`)).to.equal(undefined);
    expect(t.counter(`account|EK|${WINDOW}`)?.count).to.equal(1);
    expect(t.counter(ipOf("EK", N))?.count).to.equal(0);

    const fresh = throttleWorld();
    await (await fresh.attempt()).succeeded();
    // Its own count on the shard goes back the same way: the pair's one unit, with the pair.
    expect(fresh.throttle.settled).to.deep.equal([
      { giveBack: ["account"], clear: [], trust: { id: `trusted|EK|${N}`, until: "2027-02-25T12:00:00.000Z" }, release: 1 },
    ]);
    expect(fresh.counter(ipOf("EK", N))?.count).to.equal(0);
  });

  it("a typo is forgiven once: two successes racing after it give it back once (never below zero), one success alone gives it back", async () => {
    const raced = throttleWorld();
    await raced.attempt(); // the typo: counted on the shard
    expect(raced.counter(ipOf("EK", N))?.count).to.equal(1);
    const [a, b] = await Promise.all([raced.attempt(), raced.attempt()]); // one compare-and-set, one by increments
    await Promise.all([a.succeeded(), b.succeeded()]);
    expect(raced.counter(ipOf("EK", N))?.count).to.equal(0);
    // Both try; the one whose version is stale (the compare-and-set's, moved by the increments) is
    // refused and releases in a transaction, which finds the units already given back.
    expect(raced.throttle.settled.filter((s) => s.release !== undefined)).to.have.length(2);
    expect(raced.throttle.released).to.equal(1);

    const alone = throttleWorld();
    await alone.attempt();
    await (await alone.attempt()).succeeded();
    await (await alone.attempt()).succeeded(); // a later login: a new pair, its own reservation given back
    expect(alone.counter(ipOf("EK", N))?.count).to.equal(0);
  });

  it("a trusted network skips the account counter, never its own pair's nor the address shard's; trust is not renewed by later logins", async () => {
    const t = throttleWorld();
    await (await t.attempt()).succeeded();
    t.w.clock.advance(10);
    await (await t.attempt()).succeeded();
    expect(t.throttle.settled.at(-1)).to.deep.equal({ giveBack: [], clear: [], release: 1 });
    expect(t.throttle.trusted.get(`trusted|EK|${N}`)?.until.toISOString()).to.equal("2027-02-25T12:00:00.000Z");
    for (let i = 0; i < 6; i++) await t.attempt();
    expect(t.counter(`account|EK|${WINDOW}`)?.count).to.equal(0);
    expect(t.counter(ipOf("EK", N))?.count).to.equal(1); // one distinct failing account
    expect(t.events("locked")).to.deep.equal([{ event: "locked", dimension: "account_ip", seconds: 2 }]);
    expect((await appError(t.attempt())).details.retryAfterSeconds).to.equal(2);
  });

  it("a password reset by code clears the account-wide counter too; the address counter only gets its check back", async () => {
    const t = throttleWorld();
    await (await t.attempt()).succeeded({ clearAccount: true });
    expect(t.throttle.settled).to.deep.equal([
      { giveBack: [], clear: ["account"], trust: { id: `trusted|EK|${N}`, until: "2027-02-25T12:00:00.000Z" }, release: 1 },
    ]);
    await (await t.attempt()).succeeded({ clearAccount: false });
    expect(t.throttle.settled.at(-1)).to.deep.equal({ giveBack: [], clear: [], release: 1 });
    expect(t.counter(ipOf("EK", N))?.count).to.equal(0);
  });

  it("no network: only the account counter, and a success trusts nothing", async () => {
    const t = throttleWorld();
    await (await t.attempt("EK", null)).succeeded();
    expect(t.throttle.settled).to.deep.equal([{ giveBack: ["account"], clear: [] }]);
    expect(t.throttle.trusted.size).to.equal(0);
    expect([...t.throttle.counters.keys()]).to.deep.equal([`account|EK|${WINDOW}`]);
  });

  it("a lock written meanwhile by a lower rank makes a later reservation late: 429, all given back, nothing cleared", async () => {
    const t = throttleWorld((w) => new StaleReadThrottle(w.faults));
    const pair = `account_ip|EK|${N}|${WINDOW}`;
    t.throttle.counters.set(pair, { count: 6, lockedUntil: new Date("2026-11-27T12:00:02.000Z"), lockRank: 6 });
    const late = await appError(t.attempt());
    // Rank 7 behind rank 6's 2 s lock: waits as long as its own rank would lock (4 s).
    expect([late.code, late.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 4]);
    expect(t.events("throttled")).to.deep.equal([{ event: "throttled", dimensions: ["account_ip"], retryAfterSeconds: 4 }]);
    // Given back by increments (the attempt's unit on the pair with the shard's count), not a settle.
    expect(t.throttle.settled).to.deep.equal([]);
    expect(t.counter(pair)?.count).to.equal(6);
    expect(t.counter(pair)?.networkUnits ?? 0).to.equal(0);
    expect([t.counter(`account|EK|${WINDOW}`)?.count, t.counter(ipOf("EK", N))?.count]).to.deep.equal([0, 0]);
  });

  it("a reservation ranked at the lock's own rank (counts given back meanwhile) is checked, and renews the lock", async () => {
    const t = throttleWorld((w) => new StaleReadThrottle(w.faults));
    const pair = `account_ip|EK|${N}|${WINDOW}`;
    t.throttle.counters.set(pair, { count: 5, lockedUntil: new Date("2026-11-27T12:00:02.000Z"), lockRank: 6 });
    await t.attempt();
    // The stale read saw no pair: its first attempt from N, counted on N's shard (and marked so).
    expect(t.counter(pair)).to.deep.equal({
      count: 6,
      lockedUntil: new Date("2026-11-27T12:00:02.000Z"),
      lockRank: 6,
      networkUnits: 1,
    });
    expect(t.events("locked")).to.deep.equal([{ event: "locked", dimension: "account_ip", seconds: 2 }]);
  });

  it("a network shard full of logins in flight refuses for the moment (60 s announced, no lock); when they succeed it opens again", async () => {
    const t = throttleWorld();
    const shard = ipShardOf("EK");
    const sameShard = Array.from({ length: 500 }, (_, i) => `EK${i}`).filter((key) => ipShardOf(key) === shard);
    const inFlight = await Promise.all(sameShard.slice(0, 6).map((key) => t.attempt(key)));
    expect(t.counter(ipOf("EK", N))?.count).to.equal(6);
    const full = await appError(t.attempt(sameShard[6]));
    expect([full.code, full.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 60]);
    expect(t.events("locked")).to.deep.equal([]);
    for (const attempt of inFlight) await attempt.succeeded();
    expect(t.counter(ipOf("EK", N))).to.deep.equal({ count: 0, lockedUntil: null, lockRank: 0 });
    await (await t.attempt(sameShard[6])).succeeded();
  });

  it("a typo reserved by increments (its compare-and-set met a concurrent attempt) is still forgiven at the next success", async () => {
    class ConflictOnce extends RecordingThrottle {
      conflicts = 1;
      override async reserveAt(writes: readonly CounterWrite[]): Promise<ReadonlyMap<string, string> | null> {
        if (this.conflicts-- > 0) return null;
        return super.reserveAt(writes);
      }
    }
    const t = throttleWorld((w) => new ConflictOnce(w.faults));
    await t.attempt(); // the typo, by increments
    expect(t.counter(`account_ip|EK|${N}|${WINDOW}`)?.networkUnits).to.equal(1);
    expect(t.counter(ipOf("EK", N))?.count).to.equal(1);
    await (await t.attempt()).succeeded();
    expect(t.counter(ipOf("EK", N))?.count).to.equal(0);
    expect(t.throttle.released).to.equal(1);
  });

  it("an attacker's own account cannot take the shard below its failures: a success racing the attempt that counted gives its count back once (either order)", async () => {
    for (const order of ["counted first", "other first"] as const) {
      const t = throttleWorld();
      // Someone else's failure on the same shard: what the attacker would like to erase.
      const shard = ipShardOf("EK");
      const victim = Array.from({ length: 500 }, (_, i) => `V${i}`).find((key) => ipShardOf(key) === shard) ?? "";
      await t.attempt(victim);
      for (let round = 0; round < 5; round++) {
        const counted = await t.attempt(); // its pair was empty: counts on the shard (a unit)
        const other = await t.attempt(); // the pair holds one attempt: does not count on the shard
        if (order === "counted first") {
          await counted.succeeded();
          await other.succeeded();
        } else {
          await other.succeeded();
          await counted.succeeded();
        }
      }
      expect(t.counter(ipOf("EK", N))?.count, order).to.equal(1); // the victim's failure, still counted
      expect(t.throttle.released, order).to.equal(5);
    }
  });

  it("two first attempts at once (a double tap): two units on the pair, both given back by the successes", async () => {
    const t = throttleWorld();
    const [a, b] = await Promise.all([t.attempt(), t.attempt()]); // both read an empty pair: both count on the shard
    expect(t.counter(ipOf("EK", N))?.count).to.equal(2);
    expect(t.counter(`account_ip|EK|${N}|${WINDOW}`)?.networkUnits).to.equal(2);
    await Promise.all([a.succeeded(), b.succeeded()]);
    expect(t.counter(ipOf("EK", N))?.count).to.equal(0);
    expect(t.throttle.released).to.equal(2);
  });

  it("a reservation refused after its increments gives its unit back with the shard's count", async () => {
    class AlwaysConflict extends RecordingThrottle {
      override async reserveAt(): Promise<null> {
        return null;
      }
    }
    const t = throttleWorld((w) => new AlwaysConflict(w.faults));
    const shard = ipShardOf("EK");
    const others = Array.from({ length: 500 }, (_, i) => `O${i}`).filter((key) => ipShardOf(key) === shard);
    for (const key of others.slice(0, 6)) await t.attempt(key); // six failures: the shard is full
    expect(t.counter(ipOf("EK", N))?.count).to.equal(6);
    expect((await appError(t.attempt())).details.retryAfterSeconds).to.equal(60);
    expect(t.counter(ipOf("EK", N))?.count).to.equal(6);
    expect(t.counter(`account_ip|EK|${N}|${WINDOW}`)?.networkUnits ?? 0).to.equal(0);
  });

  it("a success reserved by increments forgives the typo too, with the pair's version read back", async () => {
    class ConflictSecond extends RecordingThrottle {
      calls = 0;
      override async reserveAt(writes: readonly CounterWrite[]): Promise<ReadonlyMap<string, string> | null> {
        if (++this.calls === 2) return null;
        return super.reserveAt(writes);
      }
    }
    const t = throttleWorld((w) => new ConflictSecond(w.faults));
    await t.attempt(); // the typo, by compare-and-set
    await (await t.attempt()).succeeded(); // by increments
    expect(t.counter(ipOf("EK", N))?.count).to.equal(0);
    expect(t.counter(`account_ip|EK|${N}|${WINDOW}`)).to.equal(undefined);
  });

  it("past the limit without a lock: late, waiting the limit's own lock (2 s at 6)", async () => {
    const t = throttleWorld((w) => new StaleReadThrottle(w.faults));
    t.throttle.counters.set(`account_ip|EK|${N}|${WINDOW}`, { count: 7, lockedUntil: null, lockRank: 0 });
    const late = await appError(t.attempt());
    expect(late.details.retryAfterSeconds).to.equal(2);
    expect(t.events("throttled")).to.deep.equal([{ event: "throttled", dimensions: ["account_ip"], retryAfterSeconds: 2 }]);
  });

  it("a counter the store does not read back counts as this reservation alone", async () => {
    class Forgetful extends RecordingThrottle {
      override async add(keys: readonly ThrottleKey[], delta: number) {
        await super.add(keys, delta);
        return { counters: new Map<string, Counter>(), versions: new Map<string, string>() };
      }
    }
    const t = throttleWorld((w) => new Forgetful(w.faults));
    await (await t.attempt()).succeeded();
    expect(t.events("locked")).to.deep.equal([]);
  });

  it("fails closed: a lock that cannot be written fails the check (compare-and-set, and increments after a conflict)", async () => {
    const outage = new Error("firestore unreachable");
    class NoLockCommit extends RecordingThrottle {
      override async reserveAt(writes: readonly CounterWrite[]): Promise<ReadonlyMap<string, string> | null> {
        if (writes.some((write) => write.counter.lockedUntil !== null)) throw outage;
        return super.reserveAt(writes);
      }
    }
    const cas = throttleWorld((w) => new NoLockCommit(w.faults));
    for (let i = 0; i < 5; i++) await cas.attempt();
    expect(await rejection(cas.attempt())).to.equal(outage);

    class NoLocks extends RecordingThrottle {
      override async reserveAt(): Promise<null> {
        return null; // always a conflict: the increments
      }
      override async lock(): Promise<void> {
        throw outage;
      }
    }
    const t = throttleWorld((w) => new NoLocks(w.faults));
    for (let i = 0; i < 5; i++) await t.attempt();
    expect(await rejection(t.attempt())).to.equal(outage);
  });

  it("the compare-and-set writes the counters' exact state: count, the lock it sets and its rank, in one commit", async () => {
    const t = throttleWorld();
    for (let i = 0; i < 5; i++) await t.attempt("EK", N);
    const before = t.throttle.writes;
    await t.attempt("EK", N);
    expect(t.throttle.writes - before).to.equal(1); // the lock is in the reservation's commit
    expect(t.counter(`account_ip|EK|${N}|${WINDOW}`)).to.deep.equal({
      count: 6,
      lockedUntil: new Date("2026-11-27T12:00:02.000Z"),
      lockRank: 6,
      networkUnits: 1, // its first attempt counted on the network's shard
    });
  });
});

describe("pinned: signup reservations", () => {
  const ipId = `ip|${N}|shard${ipShardOf("EK")}|${WINDOW}`;

  it("100 signups per network are free; the 101st sets a 60 s lock; the next waits 60 s", async () => {
    const t = throttleWorld();
    for (let i = 0; i < 100; i++) await beginSignup(t.deps, "EK", N, t.w.clock.now());
    expect(t.events("locked")).to.deep.equal([]);
    await beginSignup(t.deps, "EK", N, t.w.clock.now());
    expect(t.events("locked")).to.deep.equal([{ event: "locked", dimension: "signup_ip", seconds: 60 }]);
    const refused = await appError(beginSignup(t.deps, "EK", N, t.w.clock.now()));
    expect([refused.code, refused.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 60]);
    expect(t.counter(`signup_ip|${N}|${WINDOW}`)?.count).to.equal(101);
  });

  it("a network locked for guessing cannot sign up: 429 with the address lock's wait, nothing counted", async () => {
    const t = throttleWorld();
    t.throttle.counters.set(ipId, { count: 51, lockedUntil: new Date("2026-11-27T12:01:00.000Z"), lockRank: 51 });
    const refused = await appError(beginSignup(t.deps, "EK", N, t.w.clock.now()));
    expect([refused.code, refused.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 60]);
    expect(t.events("throttled")).to.deep.equal([{ event: "throttled", dimensions: ["ip"], retryAfterSeconds: 60 }]);
    expect(t.counter(`signup_ip|${N}|${WINDOW}`)).to.equal(undefined);
  });

  it("a made account trusts its network for 90 days and touches no counter", async () => {
    const t = throttleWorld();
    const attempt = await beginSignup(t.deps, "EK", N, t.w.clock.now());
    await attempt.signedUp();
    expect(t.throttle.settled).to.deep.equal([
      { giveBack: [], clear: [], trust: { id: `trusted|EK|${N}`, until: "2027-02-25T12:00:00.000Z" } },
    ]);
  });

  it("a 409 counts on the email's address shard: past its 6th distinct failure no signup gets through (no lock: the count refuses, a minute announced), at its 5th one does", async () => {
    const t = throttleWorld();
    t.throttle.counters.set(ipId, { count: 4, lockedUntil: null, lockRank: 0 });
    await (await beginSignup(t.deps, "EK", N, t.w.clock.now())).emailTaken();
    expect(t.counter(ipId)).to.deep.equal({ count: 5, lockedUntil: null, lockRank: 0 });
    await (await beginSignup(t.deps, "EK", N, t.w.clock.now())).emailTaken();
    expect(t.counter(ipId)).to.deep.equal({ count: 6, lockedUntil: null, lockRank: 0 });
    const refused = await appError(beginSignup(t.deps, "EK", N, t.w.clock.now()));
    expect([refused.code, refused.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 60]);
    expect(t.events("locked")).to.deep.equal([]);
    expect(t.events("throttled")).to.deep.equal([{ event: "throttled", dimensions: ["ip"], retryAfterSeconds: 60 }]);
  });

  it("no network: nothing is counted or trusted", async () => {
    const t = throttleWorld();
    const attempt = await beginSignup(t.deps, "EK", undefined, t.w.clock.now());
    await attempt.emailTaken();
    await attempt.signedUp();
    expect([t.throttle.counters.size, t.throttle.trusted.size, t.throttle.settled.length]).to.deep.equal([0, 0, 0]);
  });
});

describe("pinned: mail requests per network", () => {
  const mailId = `mail_ip|${N}|${WINDOW}`;

  it("100 per network per hour are free; the 101st sets a 60 s lock; the next waits 60 s", async () => {
    const t = throttleWorld();
    for (let i = 0; i < 100; i++) await reserveMailRequest(t.deps, N, t.w.clock.now());
    expect(t.events("locked")).to.deep.equal([]);
    expect(t.counter(mailId)?.count).to.equal(100);
    await reserveMailRequest(t.deps, N, t.w.clock.now());
    expect(t.events("locked")).to.deep.equal([{ event: "locked", dimension: "mail_ip", seconds: 60 }]);
    const refused = await appError(reserveMailRequest(t.deps, N, t.w.clock.now()));
    expect([refused.code, refused.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 60]);
    expect(t.events("throttled")).to.deep.equal([{ event: "throttled", dimensions: ["mail_ip"], retryAfterSeconds: 60 }]);
    expect(t.counter(mailId)?.count).to.equal(101);
  });

  it("no network: nothing is counted", async () => {
    const t = throttleWorld();
    await reserveMailRequest(t.deps, undefined, t.w.clock.now());
    expect(t.throttle.counters.size).to.equal(0);
  });
});

const email = "grace@example.com";
const password = "correct horse battery";

async function registered() {
  const w = world();
  const created = await signup({ email, password, name: "Grace" }, w.deps);
  return { w, uid: created.user.id, token: created.refreshToken };
}

describe("pinned: login", () => {
  it("each failure is logged with its reason; the uid only when the account exists", async () => {
    const { w, uid } = await registered();
    const failed = () => w.events.securityEvents.filter((event) => event.event === "login_failed");
    await appError(login({ email: "nobody@example.com", password }, w.deps));
    await appError(login({ email, password: "wrong horse battery" }, w.deps));
    const account = w.store.accounts.get(uid);
    if (account === undefined) throw new Error("no account");
    w.store.accounts.set(uid, { ...account, disabled: true });
    await appError(login({ email, password }, w.deps));
    expect(failed()).to.deep.equal([
      { event: "login_failed", reason: "unknown_account" },
      { event: "login_failed", reason: "wrong_password", uid },
      { event: "login_failed", reason: "account_disabled", uid },
    ]);
    expect(Object.keys(failed()[0] ?? {})).to.deep.equal(["event", "reason"]);
  });

  it("the 6th wrong password from one network locks the pair for 2 s; the right one then waits, and works after 2 s", async () => {
    const { w } = await registered();
    for (let i = 0; i < 6; i++) {
      expect((await appError(login({ email, password: "wrong horse battery", clientNetwork: N }, w.deps))).code).to.equal(
        "invalid_credentials",
      );
    }
    const waiting = await appError(login({ email, password, clientNetwork: N }, w.deps));
    expect([waiting.code, waiting.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 2]);
    w.clock.advance(2);
    await login({ email, password, clientNetwork: N }, w.deps);
  });

  it("a 128-code-point password signs up and logs in; 129 code points are refused at login before any lookup", async () => {
    const w = world();
    const long = "😀".repeat(128);
    await signup({ email, password: long }, w.deps);
    await login({ email, password: long }, w.deps);
    const calls = w.faults.calls.length;
    const refused = await appError(login({ email, password: "😀".repeat(129) }, w.deps));
    expect([refused.code, refused.details.field]).to.deep.equal(["invalid_request", "password"]);
    expect(w.faults.calls.length).to.equal(calls);
  });

  it("a synced account with a current hash: no Auth repair, no rehash", async () => {
    const { w, uid } = await registered();
    const hashes = w.hasher.hashes;
    await login({ email, password }, w.deps);
    expect(w.faults.calls).to.not.include("authUsers.ensure");
    expect(w.hasher.hashes).to.equal(hashes);
    expect(w.events.seen.filter((event) => event.startsWith("auth_user_repaired") || event.startsWith("password_rehashed"))).to.deep.equal(
      [],
    );
    expect(w.store.accounts.get(uid)?.authUserSynced).to.equal(true);
  });

  it("after the hash, one commit: the session and the throttle's settling writes together", async () => {
    const { w, uid } = await registered();
    const throttle = new RecordingThrottle(w.faults);
    w.store.settleWith = throttle;
    const deps = { ...w.deps, throttle };
    const sessions = w.store.live.size;
    await login({ email, password, clientNetwork: N }, deps);
    expect(w.store.live.size).to.equal(sessions + 1);
    expect(throttle.settled).to.have.length(1);
    expect(throttle.settled[0]?.release).to.equal(1); // the pair's count on the network's shard, given back with the pair
    expect(throttle.alone).to.equal(0);
    expect(throttle.released).to.equal(1);
    expect([...throttle.counters.values()].map((counter) => counter.count)).to.deep.equal([0, 0]); // the account's and the shard's
    expect(w.events.seen.filter((event) => event.includes(uid) && event.startsWith("follow_up_failed"))).to.deep.equal([]);
  });

  it("a login that replaces its hash: the session in its transaction, the success settled beside it once", async () => {
    const { w, uid } = await registered();
    const throttle = new RecordingThrottle(w.faults);
    w.store.settleWith = throttle;
    w.hasher.cost = 3; // the stored hash is now weaker than the parameters: this login re-hashes
    await login({ email, password, clientNetwork: N }, { ...w.deps, throttle });
    expect(w.events.seen).to.include(`password_rehashed:${uid}`);
    expect(throttle.alone).to.equal(1); // settled by its own commit, in parallel with the session's
    expect(throttle.settled.map((settled) => settled.release)).to.deep.equal([1]);
    expect(throttle.released).to.equal(1);
  });

  it("a pair moved during the hash (a concurrent wrong password): the session lands alone, the shard gets its count back once", async () => {
    const { w } = await registered();
    const throttle = new RecordingThrottle(w.faults);
    w.store.settleWith = throttle;
    const deps = { ...w.deps, throttle };
    const hasher = deps.hasher;
    const racing = {
      ...deps,
      hasher: {
        hash: (p: string) => hasher.hash(p),
        verifyDummy: (p: string) => hasher.verifyDummy(p),
        needsRehash: (phc: string) => hasher.needsRehash(phc),
        scheme: (stored: string) => hasher.scheme(stored),
        verify: async (phc: string, typed: string) => {
          // Another check of the same account from the same network, reserved while this one hashes.
          await appError(login({ email, password: "wrong horse battery", clientNetwork: N }, deps));
          return hasher.verify(phc, typed);
        },
      },
    };
    const sessions = w.store.live.size;
    const result = await login({ email, password, clientNetwork: N }, racing);
    expect(result.refreshToken).to.be.a("string");
    expect(w.store.live.size).to.equal(sessions + 1);
    // Tried with the session, refused there (the pair's version moved), then settled alone and
    // released by the transaction: the shard's one count given back once, the pair gone.
    expect(throttle.settled.map((settled) => settled.release)).to.deep.equal([1, undefined]);
    expect(throttle.alone).to.equal(1);
    expect(throttle.released).to.equal(1);
    // Left: the account-wide counter (the wrong password's count) and the shard (0); no pair.
    expect([...throttle.counters.values()].map((counter) => counter.count).sort()).to.deep.equal([0, 1]);
  });

  it("a failed throttle reset after a good password is logged, and the login goes through", async () => {
    const { w, uid } = await registered();
    // The settling writes could not go with the session (their pair moved), and settling them
    // alone then fails.
    class NoSettle extends MemoryThrottle {
      override settleNow(): boolean {
        return false;
      }
      override async settle(): Promise<boolean> {
        throw new Error("settle failed");
      }
    }
    const throttle = new NoSettle(w.faults);
    w.store.settleWith = throttle;
    const result = await login({ email, password, clientNetwork: N }, { ...w.deps, throttle });
    expect(result.user.id).to.equal(uid);
    expect(w.events.seen).to.include(`follow_up_failed:reset_throttle:${uid}`);
  });

  it("past the session cap the login logs how many sessions it ended; within it nothing", async () => {
    const { w, uid } = await registered(); // signup: session 1
    const deps = { ...w.deps, maxSessions: 2 };
    await login({ email, password }, deps); // 2
    expect(w.events.securityEvents.filter((event) => event.event === "sessions_capped")).to.deep.equal([]);
    await login({ email, password }, deps); // 3: the oldest ends
    expect(w.events.securityEvents.filter((event) => event.event === "sessions_capped")).to.deep.equal([
      { event: "sessions_capped", uid, ended: 1 },
    ]);
  });

  it("a failing session cap is logged, and the login goes through", async () => {
    const { w, uid } = await registered();
    const sessions = Object.assign(Object.create(w.deps.sessions) as typeof w.deps.sessions, {
      liveSessions: async () => {
        throw new Error("query failed");
      },
    });
    await login({ email, password }, { ...w.deps, sessions, maxSessions: 1 });
    expect(w.events.seen).to.include(`follow_up_failed:cap_sessions:${uid}`);
  });

  it("an Auth user repaired at login whose flag cannot be written: logged, the login goes through", async () => {
    const w = world();
    w.faults.failAt("authUsers.create");
    w.faults.failAt("accounts.deleteCreated");
    await rejection(signup({ email, password }, w.deps));
    w.faults.heal();
    w.faults.failAt("accounts.setAuthUserSynced");
    const result = await login({ email, password }, w.deps);
    expect(w.events.seen).to.include.members([
      `auth_user_repaired:${result.user.id}`,
      `follow_up_failed:mark_auth_user_synced:${result.user.id}`,
    ]);
  });
});

describe("pinned: refresh", () => {
  const SECRET = Buffer.from("unit-test-secret-unit-test-secret!"); // the fakes' secret
  const next = (token: string) => successorToken(SECRET, token);

  it("a token whose email now belongs to another account (deleted, then registered again) is refused", async () => {
    const { w, uid, token } = await registered();
    const account = w.store.accounts.get(uid);
    if (account === undefined) throw new Error("no account");
    await w.store.deleteAccountRecords(account);
    await w.authUsers.delete(uid);
    const again = await signup({ email, password }, w.deps);
    expect(again.user.id).to.not.equal(uid);
    const minted = w.minter.minted.length;
    expect((await appError(refresh({ refreshToken: token }, w.deps))).code).to.equal("invalid_refresh_token");
    expect(w.minter.minted).to.have.length(minted);
  });

  it("a session that names its credential's old id still refreshes: the uid finds the account", async () => {
    const { w, uid, token } = await registered();
    const stored = w.store.sessions.get(hashToken(token));
    if (stored === undefined) throw new Error("no session");
    w.store.sessions.set(stored.tokenHash, { ...stored, emailKey: "pre-hmac-credential-id" });
    expect((await refresh({ refreshToken: token }, w.deps)).user.id).to.equal(uid);
  });

  it("a token revoked between its read and its rotation is refused, and no successor is stored", async () => {
    const { w, token } = await registered();
    const real = w.deps.sessions;
    const sessions = Object.assign(Object.create(real) as typeof real, {
      rotate: async (...args: Parameters<typeof real.rotate>) => {
        await real.revokeSession(args[0].sessionId); // a logout, meanwhile
        return real.rotate(...args);
      },
    });
    expect((await appError(refresh({ refreshToken: token }, { ...w.deps, sessions }))).code).to.equal("invalid_refresh_token");
    expect(w.store.sessions.has(hashToken(next(token)))).to.equal(false);
  });

  it("a token rotated meanwhile by a parallel refresh: its successor within the interval, reuse when the interval is 0", async () => {
    const racing = async (reuseIntervalSeconds: number) => {
      const { w, token } = await registered();
      const real = w.deps.sessions;
      const sessions = Object.assign(Object.create(real) as typeof real, {
        rotate: async (...args: Parameters<typeof real.rotate>) => {
          await real.rotate(...args); // the parallel request wins the rotation
          return real.rotate(...args);
        },
      });
      return { w, token, result: refresh({ refreshToken: token }, { ...w.deps, sessions, reuseIntervalSeconds }) };
    };
    const within = await racing(10);
    expect((await within.result).refreshToken).to.equal(next(within.token));
    const never = await racing(0);
    expect((await appError(never.result)).code).to.equal("refresh_token_reused");
  });

  it("the reuse interval is 10 s inclusive: exactly 10 s after the exchange the successor again, 10.001 s reuse", async () => {
    const { w, token } = await registered();
    const first = await refresh({ refreshToken: token }, w.deps);
    w.clock.advance(10);
    expect((await refresh({ refreshToken: token }, w.deps)).refreshToken).to.equal(first.refreshToken);
    w.clock.advance(0.001);
    expect((await appError(refresh({ refreshToken: token }, w.deps))).code).to.equal("refresh_token_reused");
  });

  it("an exchanged token presented again is followed at most 5 successors down to the live one", async () => {
    const { w, token } = await registered();
    const chain = [token];
    for (let i = 0; i < 6; i++) chain.push((await refresh({ refreshToken: chain.at(-1) ?? "" }, w.deps)).refreshToken);
    expect(chain.slice(1)).to.deep.equal(chain.slice(0, -1).map(next));
    // chain[1] is 5 successors from the live chain[6]: found. chain[0] is 6: treated as reuse.
    const found = await refresh({ refreshToken: chain[1] ?? "" }, w.deps);
    expect(found.refreshToken).to.equal(chain[6]);
    expect(w.minter.minted.at(-1)).to.deep.equal({
      uid: found.user.id,
      claims: { role_id: 1, sid: w.store.sessions.get(hashToken(token))?.sessionId, auth_methods: ["pwd"] },
    });
    expect((await appError(refresh({ refreshToken: chain[0] ?? "" }, w.deps))).code).to.equal("refresh_token_reused");
  });

  it("a broken chain (the successor gone, or belonging to another session) is reuse", async () => {
    const gone = await registered();
    const child = await refresh({ refreshToken: gone.token }, gone.w.deps);
    gone.w.store.sessions.delete(hashToken(child.refreshToken));
    expect((await appError(refresh({ refreshToken: gone.token }, gone.w.deps))).code).to.equal("refresh_token_reused");

    const foreign = await registered();
    const other = await refresh({ refreshToken: foreign.token }, foreign.w.deps);
    const record = foreign.w.store.sessions.get(hashToken(other.refreshToken));
    if (record === undefined) throw new Error("no successor");
    foreign.w.store.sessions.set(record.tokenHash, { ...record, sessionId: "another-session" });
    expect((await appError(refresh({ refreshToken: foreign.token }, foreign.w.deps))).code).to.equal("refresh_token_reused");
  });

  it("the live successor past the session's absolute end: refused, even within the reuse interval", async () => {
    const { w, token } = await registered(); // idle 3600 s, absolute 7200 s
    w.clock.advance(2900);
    const second = (await refresh({ refreshToken: token }, w.deps)).refreshToken;
    w.clock.advance(2900);
    const third = (await refresh({ refreshToken: second }, w.deps)).refreshToken;
    w.clock.advance(1395); // 7195 s
    await refresh({ refreshToken: third }, w.deps); // its successor ends with the session, at 7200 s
    w.clock.advance(6);
    expect((await appError(refresh({ refreshToken: third }, w.deps))).code).to.equal("invalid_refresh_token");
  });

  it("the session's absolute end: a token used every 2900 s still ends at 7200 s", async () => {
    const { w, token } = await registered();
    let current = token;
    for (let i = 0; i < 2; i++) {
      w.clock.advance(2900);
      current = (await refresh({ refreshToken: current }, w.deps)).refreshToken;
    }
    w.clock.advance(1399); // 7199 s: alive
    current = (await refresh({ refreshToken: current }, w.deps)).refreshToken;
    w.clock.advance(1); // 7200 s
    expect((await appError(refresh({ refreshToken: current }, w.deps))).code).to.equal("invalid_refresh_token");
  });

  it("a stored token whose idle expiry lies past its session's end still ends with the session", async () => {
    const planted = async (seconds: number) => {
      const { w, token } = await registered();
      const stored = w.store.sessions.get(hashToken(token));
      if (stored === undefined) throw new Error("no session");
      w.store.sessions.set(stored.tokenHash, { ...stored, expiresAt: new Date("2027-01-01T00:00:00Z") });
      w.clock.advance(seconds);
      return refresh({ refreshToken: token }, w.deps);
    };
    await planted(7199);
    expect((await appError(planted(7200))).code).to.equal("invalid_refresh_token");
  });
});

// Guards the assumption above: the fakes' clock starts at NOW_ISO.
describe("pinned: the fakes' clock", () => {
  it(`starts at ${NOW_ISO}`, () => {
    expect(world().clock.now().toISOString()).to.equal(NOW_ISO);
  });
});
