import { AppError, isContention } from "../errors.js";
import type { Deps } from "./deps.js";
import type { Keys } from "./ids.js";
import type { Counter, CounterWrite, Dimension, ThrottleKey, ThrottleSettlement } from "./model.js";
import type { ThrottleStore } from "./ports.js";

/** What the throttle needs: its store, the security events, and the keyed ids. */
export type ThrottleDeps = Pick<Deps, "throttle" | "events"> & { readonly keys: Pick<Keys, "throttle"> };
type Events = ThrottleDeps["events"];

// Throttling of password guessing and signups, shared by every instance (the counters live in
// Firestore). The policy (docs/security.md, "Throttling"):
//
// - `account_ip` (one email from one client network): the tightest; always applies.
// - `account`    (one email, from anywhere): slows a distributed attack on one account. Short
//                locks, and a network the owner logged in from before (a *trusted* network of
//                that account) skips it: attackers elsewhere cannot lock the owner out.
// - `ip`         (one client network, all emails): counts DISTINCT accounts that failed from
//                it (an account's first attempt from that network in the window) and have not
//                logged in from it since: an account that logs in after a typo is given its
//                count back (forgiven), so a shared address - a school's or an office's NAT, a
//                carrier-grade NAT, FlutterFlow's test-mode proxy - is not locked by its users'
//                typos, while a sprayer's failures (never followed by a success) stay counted.
//                Sharded: the network's accounts are spread over IP_SHARDS counters by their
//                email key, each with its own small allowance, so no document is written by
//                more than about 1/IP_SHARDS of a busy address's logins, and a sprayer shuts
//                only the shards it reached. A shard sets no lock: its count is the checks in
//                flight plus the unforgiven failures, and it refuses while that is past its
//                allowance - until its window ends, when failures filled it; a moment, when
//                logins in flight did (a busy school's own users never lock it). Guesses on one account are
//                `account_ip`'s job. Applies to trusted networks too: a sprayer behind a
//                school's NAT guesses at accounts trusted there (their owners then wait, on
//                that network only, like everyone new to it).
// - `signup_ip`  (one client network): signups per window; a 409 also counts on `ip`.
// - `mail_address` (one email): sign-in codes requested for it while LOGIN_CODE_SIGNUP is on.
// - `mail_ip`    (one client network): requests that may mail a code (password reset), counted
//                whether or not the email has an account.
//
// Counters live in fixed windows (the document id carries the window's number), so a new window
// is a new document and nothing needs resetting; an attacker gets at most twice an allowance
// across a window boundary.
//
// Every password check is RESERVED before its hash is computed, in two round trips at most:
// the counters are read (with the credential, in parallel), then written back with a
// compare-and-set (each counter's new count, and its lock when the attempt passes the
// allowance, in one commit that lands only if no counter changed since the read). A commit
// that lands gives the attempt its exact rank. When another attempt changed a counter in
// between (a burst on one account or one network shard), the attempt falls back to
// commutative increments read back afterwards (`reserveByIncrement`): a count read back is at
// least the reservation's own rank, so at most `limit` reservations can ever read a count at
// or under `limit`. Either way, however many arrive at once, on one instance or many, at most
// the allowance is checked; the rest get 429 (and give their reservation back). A failed check
// writes nothing more; a successful one gives its reservation back.

export interface Rule {
  /** Attempts allowed in a window before any delay (the next one is checked, and sets the first lock where the rule has locks). */
  readonly free: number;
  /**
   * Lock set by the first attempt past the allowance; doubles with each further one. 0: the rule
   * never locks; past `free + 1` the count alone refuses, answering "try again in `busySeconds`".
   */
  readonly baseSeconds: number;
  readonly capSeconds: number;
  readonly windowSeconds: number;
  /** Rules without locks: the wait announced when the allowance is in use (default 1 s). */
  readonly busySeconds?: number;
}

const HOUR = 60 * 60;
export const THROTTLE_RULES: Readonly<Record<Dimension, Rule>> = {
  account_ip: { free: 5, baseSeconds: 2, capSeconds: HOUR, windowSeconds: HOUR },
  account: { free: 10, baseSeconds: 2, capSeconds: 15 * 60, windowSeconds: HOUR },
  // Per shard: 6 checks of distinct accounts in flight or failed and unforgiven; no lock (see the
  // module comment). A sprayer gets at most IP_SHARDS x 6 = 96 checks in a window; users' typos
  // are forgiven at their next login, so they seldom add up in one shard. A refused user is told
  // to retry in a minute: a shard full of logins in flight opens as soon as they finish (often
  // before that minute is up), one full of a sprayer's failures at the end of its window.
  ip: { free: 5, baseSeconds: 0, capSeconds: 0, windowSeconds: HOUR, busySeconds: 60 },
  // A classroom signing up together (60 in 10 minutes) passes; a flood is stopped at 101.
  signup_ip: { free: 100, baseSeconds: 60, capSeconds: HOUR, windowSeconds: HOUR },
  // Codes mailed from one network (reset, verification, the sign-up mail): a classroom's
  // verification mails pass; a per-address resend interval stops mailing one person in a loop.
  mail_ip: { free: 100, baseSeconds: 60, capSeconds: HOUR, windowSeconds: HOUR },
  // Sign-in codes to one address (with LOGIN_CODE_SIGNUP, any address can be mailed): a few an
  // hour, whether or not it has an account; the resend interval spaces them.
  mail_address: { free: 5, baseSeconds: 60, capSeconds: HOUR, windowSeconds: HOUR },
};

/** How many `ip` counters one network's accounts are spread over (see `ip` above). */
export const IP_SHARDS = 16;

/** The `ip` shard of an account: FNV-1a of its email key (already a keyed hash), modulo IP_SHARDS. */
export function ipShardOf(emailKey: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < emailKey.length; i++) hash = Math.imul(hash ^ emailKey.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % IP_SHARDS;
}

/**
 * How long a successful login makes its network trusted for that account. A trust marker
 * records the account's session epoch: a password change, a reset or an email change raises
 * the epoch and so ends the account's trusted networks with its sessions.
 */
export const TRUST_SECONDS = 90 * 24 * HOUR;

function keyOf(keys: Pick<Keys, "throttle">, dimension: Dimension, now: Date, ...parts: string[]): ThrottleKey {
  const rule = THROTTLE_RULES[dimension];
  const window = Math.floor(now.getTime() / 1000 / rule.windowSeconds);
  return {
    dimension,
    id: keys.throttle([dimension, ...parts, String(window)]),
    expiresAt: new Date(((window + 1) * rule.windowSeconds + rule.capSeconds) * 1000),
  };
}

/** The `ip` counter (shard) that counts `emailKey`'s failures from `network`. */
const networkKey = (ids: Pick<Keys, "throttle">, emailKey: string, network: string, now: Date): ThrottleKey =>
  keyOf(ids, "ip", now, network, `shard${ipShardOf(emailKey)}`);

/** The counters a password check against `emailKey` from `network` may touch. */
export function throttleKeys(ids: Pick<Keys, "throttle">, emailKey: string, network: string | undefined, now: Date): ThrottleKey[] {
  const keys = [keyOf(ids, "account", now, emailKey)];
  if (network !== undefined) keys.push(keyOf(ids, "account_ip", now, emailKey, network), networkKey(ids, emailKey, network, now));
  return keys;
}

export const trustIdOf = (ids: Pick<Keys, "throttle">, emailKey: string, network: string): string =>
  ids.throttle(["trusted", emailKey, network]);

export function lockSeconds(rule: Rule, count: number): number {
  if (count <= rule.free || rule.baseSeconds === 0) return 0;
  return Math.min(rule.capSeconds, rule.baseSeconds * 2 ** Math.min(30, count - rule.free - 1));
}

const secondsUntil = (date: Date | null, now: Date): number =>
  date === null ? 0 : Math.max(0, Math.ceil((date.getTime() - now.getTime()) / 1000));

export const tooManyRequests = (retryAfterSeconds: number): AppError =>
  new AppError("too_many_requests", `Too many attempts. Try again in ${retryAfterSeconds} seconds.`, {
    retryAfterSeconds,
  });

/**
 * Fails closed: a reservation that cannot be made is never an uncounted attempt. Contention on
 * the counters (a burst on one account) answers 429; Firestore out of reach passes on as the
 * outage it is (a 503 at the edge).
 */
const unavailableCounters = (cause: unknown): unknown =>
  isContention(cause) ? new AppError("too_many_requests", tooManyRequests(1).message, { retryAfterSeconds: 1, cause }) : cause;

/** Throws 429 when one of `keys` is locked now (nothing written). */
function refuseLocked(keys: readonly ThrottleKey[], counters: ReadonlyMap<string, Counter>, now: Date, events: Events): void {
  const lockedKeys = keys.filter((key) => secondsUntil(counters.get(key.id)?.lockedUntil ?? null, now) > 0);
  // Stryker disable next-line OptionalChaining: every locked key has a counter (the filter above read its lock from it)
  const wait = Math.max(0, ...lockedKeys.map((key) => secondsUntil(counters.get(key.id)?.lockedUntil ?? null, now)));
  if (wait > 0) throw throttled(events, wait, lockedKeys);
}

const throttled = (events: Events, seconds: number, dimensions: readonly ThrottleKey[]): AppError => {
  events.security({ event: "throttled", dimensions: dimensions.map((key) => key.dimension), retryAfterSeconds: seconds });
  return tooManyRequests(seconds);
};

/** The attempt after the `count`-th one, against `rule`: its rank, whether it may be checked, and the lock it sets. */
function nextAttempt(rule: Rule, counter: Counter | undefined, now: Date) {
  const count = (counter?.count ?? 0) + 1;
  const limit = Math.max(rule.free, counter?.lockRank ?? 0) + 1;
  const seconds = count > rule.free ? lockSeconds(rule, count) : 0;
  return { count, late: count > limit, seconds, lockedUntil: seconds > 0 ? new Date(now.getTime() + seconds * 1000) : null };
}

/** The wait announced to an attempt refused by `rule` past its limit, whose lock would be `seconds`. */
const lateSeconds = (rule: Rule, seconds: number): number => (seconds > 0 ? seconds : (rule.busySeconds ?? 1));

/**
 * The compare-and-set reservation (module comment): the new state of every counter in `keys`,
 * from the state read. Throws 429 when the attempt is past a limit (nothing written). Returns
 * the writes and the locks they set.
 */
function compareAndSetWrites(
  keys: readonly ThrottleKey[],
  counters: ReadonlyMap<string, Counter>,
  versions: ReadonlyMap<string, string>,
  now: Date,
  events: Events,
  countsOnNetwork: boolean,
): { writes: CounterWrite[]; locks: { key: ThrottleKey; seconds: number }[] } {
  const writes: CounterWrite[] = [];
  const locks: { key: ThrottleKey; seconds: number }[] = [];
  for (const key of keys) {
    const before = counters.get(key.id);
    const next = nextAttempt(THROTTLE_RULES[key.dimension], before, now);
    if (next.late) throw throttled(events, lateSeconds(THROTTLE_RULES[key.dimension], next.seconds), [key]);
    const counter: Counter = {
      count: next.count,
      lockedUntil: next.lockedUntil ?? before?.lockedUntil ?? null,
      lockRank: next.lockedUntil === null ? (before?.lockRank ?? 0) : next.count,
      ...(key.dimension === "account_ip" && { networkUnits: (before?.networkUnits ?? 0) + (countsOnNetwork ? 1 : 0) }),
    };
    writes.push({ key, version: versions.get(key.id) ?? null, counter });
    if (next.lockedUntil !== null) locks.push({ key, seconds: next.seconds });
  }
  return { writes, locks };
}

/**
 * Reserves one attempt on `keys` by commutative increments read back (see the module comment):
 * the fallback when the compare-and-set met a concurrent change, and the way signups and mail
 * requests are counted (a classroom's requests on one network counter never contend). Throws
 * 429 when a counter is locked (no write) or when the reservation came too late (given back).
 * Sets the lock of every counter the attempt takes past its allowance.
 */
async function reserveByIncrement(
  store: ThrottleStore,
  keys: readonly ThrottleKey[],
  counters: ReadonlyMap<string, Counter>,
  now: Date,
  events: Events,
  unitsOf?: ThrottleKey,
): Promise<{ readonly counters: ReadonlyMap<string, Counter>; readonly versions: ReadonlyMap<string, string> }> {
  refuseLocked(keys, counters, now, events);
  if (keys.length === 0) return { counters: new Map(), versions: new Map() };
  let after: ReadonlyMap<string, Counter>;
  let versions: ReadonlyMap<string, string>;
  try {
    ({ counters: after, versions } = await store.add(keys, 1, unitsOf));
  } catch (error) {
    throw unavailableCounters(error);
  }
  const locks: { key: ThrottleKey; until: Date; rank: number; seconds: number }[] = [];
  const lateKeys: ThrottleKey[] = [];
  let late = 0;
  for (const key of keys) {
    const rule = THROTTLE_RULES[key.dimension];
    const counter = after.get(key.id) ?? { count: 1, lockedUntil: null, lockRank: 0 };
    const limit = Math.max(rule.free, counter.lockRank) + 1;
    const locked = secondsUntil(counter.lockedUntil, now);
    // Too late: past the limit, or behind a lock set meanwhile by an attempt of a lower rank.
    if (counter.count > limit || (locked > 0 && counter.count > counter.lockRank)) {
      late = Math.max(late, locked, lateSeconds(rule, lockSeconds(rule, limit)));
      lateKeys.push(key);
    } else {
      const seconds = lockSeconds(rule, counter.count);
      if (seconds > 0) locks.push({ key, until: new Date(now.getTime() + seconds * 1000), rank: counter.count, seconds });
    }
  }
  if (late > 0) {
    // Best effort (the window ends anyway); the pair's unit on the network goes with the shard's count.
    const givenBack = unitsOf === undefined ? store.settle({ giveBack: keys, clear: [] }) : store.add(keys, -1, unitsOf);
    await givenBack.catch(() => undefined);
    throw throttled(events, late, lateKeys);
  }
  try {
    await Promise.all(locks.map((lock) => store.lock(lock.key, lock.until, lock.rank)));
  } catch (error) {
    throw unavailableCounters(error);
  }
  for (const lock of locks) events.security({ event: "locked", dimension: lock.key.dimension, seconds: lock.seconds });
  return { counters: after, versions };
}

/** A password check that was reserved; only a success has anything left to do. */
export interface PasswordAttempt {
  /**
   * The password (or a mailed code) was right: the pair's counter cleared, the reservation given
   * back, the network trusted. `clearAccount` also clears the account-wide counter (a password
   * reset by code: the owner proved their mailbox).
   */
  succeeded(options?: SuccessOptions): Promise<void>;
  /**
   * The same success as data, for a caller that commits it with its own writes (login: with the
   * session, one commit after the hash; SessionStore.create). Exactly one of `succeeded()` and
   * `success()` is used per attempt.
   */
  success(options?: SuccessOptions): Settlement;
  /**
   * The password was right, but the sign-in is not complete (a second factor follows): this
   * attempt's counts are given back - a right password is not a guess - on every counter it
   * counted on (its network shard and the pair's units included), with nothing cleared and no
   * network trusted.
   */
  forgiven(): Promise<void>;
}

export interface SuccessOptions {
  readonly clearAccount?: boolean;
}

/** A success's writes (`writes`), and what to do when they could not land as they are. */
export interface Settlement {
  readonly writes: ThrottleSettlement;
  /**
   * Settles the success another way, when `writes` did not land: its pair moved since the
   * reservation (a concurrent attempt of the same account and network), or they could not be
   * committed with the caller's writes. Never takes a count twice (see `succeeded`).
   */
  unsettled(): Promise<void>;
}

/**
 * Reserves one password check of `emailKey` from `network` before any hash is computed (login,
 * password change, account deletion and mailed codes share it). Throws 429 `too_many_requests`
 * with the seconds to wait; unknown accounts are throttled exactly like real ones. `epoch`: the
 * account's session epoch (a promise: login reads the account at the same time), or null when
 * unknown - only a trust marker of the same epoch trusts the network, and a success marks it
 * under that epoch (none when null).
 *
 * Round trips: the read (in parallel with the caller's own), then one commit. A second try of
 * the compare-and-set would cost two more; the increments cost two as well and cannot contend.
 */
export async function beginPasswordAttempt(
  deps: ThrottleDeps,
  emailKey: string,
  network: string | undefined,
  now: Date,
  epoch: number | null | Promise<number | null>,
  options: {
    /**
     * A second factor's code: the account-wide counter applies even on a trusted network. A
     * network's trust may predate the factor (a password login before it was turned on: the
     * epoch does not change then), and an attacker holding the password could have made many.
     */
    readonly ignoreTrust?: boolean;
  } = {},
): Promise<PasswordAttempt> {
  const { throttle: store, events } = deps;
  const keys = throttleKeys(deps.keys, emailKey, network, now);
  const pairKey = keys.find((key) => key.dimension === "account_ip");
  const ipKey = keys.find((key) => key.dimension === "ip");
  const trustId = network === undefined ? undefined : trustIdOf(deps.keys, emailKey, network);
  // An outage here is a 503, nothing counted or checked.
  const [state, sessionEpoch] = await Promise.all([store.read(keys, trustId, now), epoch]);
  const trusted = options.ignoreTrust !== true && sessionEpoch !== null && state.trustedEpoch === sessionEpoch;
  const pairBefore = pairKey === undefined ? undefined : state.counters.get(pairKey.id);
  const applicable = keys.filter((key) => {
    if (key.dimension === "account_ip") return true;
    // Distinct accounts, not guesses - trusted or not: a sprayer behind the same NAT as its
    // victims (a school's) guesses at accounts trusted on that network.
    if (key.dimension === "ip") return (pairBefore?.count ?? 0) === 0;
    return !trusted; // the owner's own network: no account-wide lock set from elsewhere
  });
  refuseLocked(applicable, state.counters, now, events);
  const countsOnNetwork = ipKey !== undefined && applicable.includes(ipKey);
  const { writes, locks } = compareAndSetWrites(applicable, state.counters, state.versions, now, events, countsOnNetwork);
  let versions: ReadonlyMap<string, string> | null;
  try {
    versions = await store.reserveAt(writes);
  } catch (error) {
    throw unavailableCounters(error);
  }
  // The pair counter as this reservation left it: its version and its units on the network.
  let pair: { readonly version: string | undefined; readonly units: number } | undefined;
  if (versions !== null) {
    for (const lock of locks) events.security({ event: "locked", dimension: lock.key.dimension, seconds: lock.seconds });
    const written = writes.find((write) => write.key === pairKey)?.counter;
    pair = pairKey === undefined ? undefined : { version: versions.get(pairKey.id), units: written?.networkUnits ?? 0 };
  } else {
    // A counter moved since the read: a concurrent attempt. Increments commute: no second
    // conflict. The pair's units count this attempt's count on the network here too.
    const unitsOf = countsOnNetwork ? pairKey : undefined;
    const after = await reserveByIncrement(store, applicable, state.counters, now, events, unitsOf);
    pair =
      pairKey === undefined
        ? undefined
        : { version: after.versions.get(pairKey.id), units: after.counters.get(pairKey.id)?.networkUnits ?? 0 };
  }

  const success = (options?: SuccessOptions): Settlement => {
    // The pair's own counter starts over; the account and address counters only get this
    // attempt back: an attacker's failures elsewhere stay counted after the owner logs in.
    const cleared = (key: ThrottleKey) => key.dimension === "account_ip" || (options?.clearAccount === true && key.dimension === "account");
    const clear = keys.filter(cleared);
    const trust =
      trustId !== undefined && sessionEpoch !== null && !trusted
        ? { id: trustId, until: new Date(now.getTime() + TRUST_SECONDS * 1000), epoch: sessionEpoch }
        : undefined;
    if (pairKey === undefined || ipKey === undefined || pair === undefined) {
      const writes = { giveBack: applicable.filter((key) => !cleared(key)), clear, trust };
      return { writes, unsettled: async () => void (await store.settle(writes)) };
    }
    // The network's shard gets back every count the pair holds on it (its units), with the
    // pair's deletion, exactly once: this attempt's own count, and a typo's earlier in the
    // window (forgiven: it was not a sprayer's guess). Once: only while the pair is as this
    // reservation left it (its version); when another attempt moved it, in a transaction
    // that finds the units still there or already given back - never both (two successes at
    // once, or one racing the attempt whose count it would forgive, cannot take a count twice).
    const giveBack = applicable.filter((key) => !cleared(key) && key !== ipKey);
    const others = clear.filter((key) => key !== pairKey);
    const release = { pair: { key: pairKey, version: pair.version ?? null }, network: ipKey, units: pair.units };
    return {
      writes: { giveBack, clear: others, trust, release },
      async unsettled() {
        await store.settle({ giveBack, clear: others, trust });
        await store.releaseNetworkUnits(pairKey, ipKey);
      },
    };
  };

  return {
    async forgiven() {
      // Every count this attempt added, given back by increments: on the account and pair
      // counters, and - when it counted on the network's shard - there and in the pair's units
      // (an abandoned two-step sign-in must not fill a school's shard).
      await store.add(applicable, -1, countsOnNetwork ? pairKey : undefined);
    },
    success,
    async succeeded(options) {
      const settlement = success(options);
      if (await store.settle(settlement.writes)) return;
      await settlement.unsettled();
    },
  };
}

/** Signups from one network: reserved before the hash, never given back. */
export interface SignupAttempt {
  /** The email was taken (409). */
  emailTaken(): Promise<void>;
  /** The account was made: its network is trusted for it (best effort). */
  signedUp(): Promise<void>;
}

export async function beginSignup(deps: ThrottleDeps, emailKey: string, network: string | undefined, now: Date): Promise<SignupAttempt> {
  if (network === undefined) return { emailTaken: async () => undefined, signedUp: async () => undefined };
  const { throttle: store, events } = deps;
  const signupKey = keyOf(deps.keys, "signup_ip", now, network);
  const ipKey = networkKey(deps.keys, emailKey, network, now);
  const state = await store.read([signupKey, ipKey], undefined, now);
  // A network shard full of failures (guesses, or emails probed through 409s) cannot sign up
  // either. A lock: a counter written before shards stopped locking (within its hour).
  const shard = state.counters.get(ipKey.id);
  const ipRule = THROTTLE_RULES.ip;
  const ipWait = Math.max(secondsUntil(shard?.lockedUntil ?? null, now), (shard?.count ?? 0) > ipRule.free ? lateSeconds(ipRule, 0) : 0);
  if (ipWait > 0) {
    events.security({ event: "throttled", dimensions: ["ip"], retryAfterSeconds: ipWait });
    throw tooManyRequests(ipWait);
  }
  await reserveByIncrement(store, [signupKey], state.counters, now, events);
  return {
    signedUp: async () => {
      await store.settle({
        giveBack: [],
        clear: [],
        trust: { id: trustIdOf(deps.keys, emailKey, network), until: new Date(now.getTime() + TRUST_SECONDS * 1000), epoch: 0 },
      });
    },
    // A 409 tells whether an email is registered: it counts on the network's `ip` counter like
    // an account that failed (best effort: the 409 is the answer either way).
    emailTaken: async () => {
      try {
        await store.add([ipKey], 1);
      } catch {
        // the counters are unavailable: the signup itself already failed with 409
      }
    },
  };
}

/**
 * One request that may mail a code, from `network`: reserved before anything is looked up,
 * never given back (the answer is the same whether the email has an account). Throws 429.
 */
export async function reserveMailRequest(deps: ThrottleDeps, network: string | undefined, now: Date): Promise<void> {
  if (network === undefined) return;
  const key = keyOf(deps.keys, "mail_ip", now, network);
  const state = await deps.throttle.read([key], undefined, now);
  await reserveByIncrement(deps.throttle, [key], state.counters, now, deps.events);
}

/**
 * One sign-in code request for the address `emailKey` (LOGIN_CODE_SIGNUP: any address may be
 * mailed), counted before anything is looked up and never given back. Throws 429.
 */
export async function reserveAddressMail(deps: ThrottleDeps, emailKey: string, now: Date): Promise<void> {
  const key = keyOf(deps.keys, "mail_address", now, emailKey);
  const state = await deps.throttle.read([key], undefined, now);
  await reserveByIncrement(deps.throttle, [key], state.counters, now, deps.events);
}
