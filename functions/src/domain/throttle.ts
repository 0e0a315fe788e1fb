import { AppError, isContention } from "../errors.js";
import type { Deps } from "./deps.js";
import type { Keys } from "./ids.js";
import type { Counter, Dimension, ThrottleKey } from "./model.js";
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
//                it (an account's first failure from that network in the window), not guesses,
//                so a shared address - FlutterFlow's test-mode proxy, a school's NAT - is not
//                locked by a few users' typos; guesses on one account are `account_ip`'s job.
//                Skipped by an account's trusted networks.
// - `signup_ip`  (one client network): signups per window; a 409 also counts on `ip`.
// - `mail_ip`    (one client network): requests that may mail a code (password reset), counted
//                whether or not the email has an account.
//
// Counters live in fixed windows (the document id carries the window's number), so a new window
// is a new document and nothing needs resetting; an attacker gets at most twice an allowance
// across a window boundary.
//
// Every password check is RESERVED before its hash is computed: one increment per counter
// (commutative, so concurrent reservations never contend), then the counts read back. A count
// read back is at least the reservation's own rank, so at most `limit` reservations can ever
// read a count at or under `limit`: however many arrive at once, on one instance or many, at
// most the allowance is checked; the rest get 429 and give their reservation back. A failed
// check writes nothing more; a successful one gives its reservation back.

export interface Rule {
  /** Attempts allowed in a window before any delay (the next one is checked and sets the first lock). */
  readonly free: number;
  /** Lock set by the first attempt past the allowance; doubles with each further one. */
  readonly baseSeconds: number;
  readonly capSeconds: number;
  readonly windowSeconds: number;
}

const HOUR = 60 * 60;
export const THROTTLE_RULES: Readonly<Record<Dimension, Rule>> = {
  account_ip: { free: 5, baseSeconds: 2, capSeconds: HOUR, windowSeconds: HOUR },
  account: { free: 10, baseSeconds: 2, capSeconds: 15 * 60, windowSeconds: HOUR },
  ip: { free: 50, baseSeconds: 2, capSeconds: HOUR, windowSeconds: HOUR },
  signup_ip: { free: 20, baseSeconds: 60, capSeconds: HOUR, windowSeconds: HOUR },
  mail_ip: { free: 20, baseSeconds: 60, capSeconds: HOUR, windowSeconds: HOUR },
};

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

/** The counters a password check against `emailKey` from `network` may touch. */
export function throttleKeys(ids: Pick<Keys, "throttle">, emailKey: string, network: string | undefined, now: Date): ThrottleKey[] {
  const keys = [keyOf(ids, "account", now, emailKey)];
  if (network !== undefined) keys.push(keyOf(ids, "account_ip", now, emailKey, network), keyOf(ids, "ip", now, network));
  return keys;
}

export const trustIdOf = (ids: Pick<Keys, "throttle">, emailKey: string, network: string): string =>
  ids.throttle(["trusted", emailKey, network]);

export function lockSeconds(rule: Rule, count: number): number {
  if (count <= rule.free) return 0;
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

/**
 * Reserves one attempt on `keys` (see the module comment). Throws 429 when a counter is locked
 * (no write) or when the reservation came too late (given back). Sets the lock of every counter
 * the attempt takes past its allowance.
 */
async function reserve(
  store: ThrottleStore,
  keys: readonly ThrottleKey[],
  counters: ReadonlyMap<string, Counter>,
  now: Date,
  events: Events,
): Promise<void> {
  const throttled = (seconds: number, dimensions: readonly ThrottleKey[]): AppError => {
    events.security({ event: "throttled", dimensions: dimensions.map((key) => key.dimension), retryAfterSeconds: seconds });
    return tooManyRequests(seconds);
  };
  const lockedKeys = keys.filter((key) => secondsUntil(counters.get(key.id)?.lockedUntil ?? null, now) > 0);
  // Stryker disable next-line OptionalChaining: every locked key has a counter (the filter above read its lock from it)
  const wait = Math.max(0, ...lockedKeys.map((key) => secondsUntil(counters.get(key.id)?.lockedUntil ?? null, now)));
  if (wait > 0) throw throttled(wait, lockedKeys);
  if (keys.length === 0) return;
  let after: ReadonlyMap<string, Counter>;
  try {
    after = await store.add(keys, 1);
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
      late = Math.max(late, locked, lockSeconds(rule, limit), 1);
      lateKeys.push(key);
    } else if (counter.count > rule.free) {
      const seconds = lockSeconds(rule, counter.count);
      locks.push({ key, until: new Date(now.getTime() + seconds * 1000), rank: counter.count, seconds });
    }
  }
  if (late > 0) {
    await store.settle(keys, []).catch(() => undefined); // best effort: the window ends anyway
    throw throttled(late, lateKeys);
  }
  try {
    await Promise.all(locks.map((lock) => store.lock(lock.key, lock.until, lock.rank)));
  } catch (error) {
    throw unavailableCounters(error);
  }
  for (const lock of locks) events.security({ event: "locked", dimension: lock.key.dimension, seconds: lock.seconds });
}

/** A password check that was reserved; only a success has anything left to do. */
export interface PasswordAttempt {
  /**
   * The password (or a mailed code) was right: the pair's counter cleared, the reservation given
   * back, the network trusted. `clearAccount` also clears the account-wide counter (a password
   * reset by code: the owner proved their mailbox).
   */
  succeeded(options?: { readonly clearAccount?: boolean }): Promise<void>;
}

/**
 * Reserves one password check of `emailKey` from `network` before any hash is computed (login,
 * password change, account deletion and mailed codes share it). Throws 429 `too_many_requests`
 * with the seconds to wait; unknown accounts are throttled exactly like real ones. `epoch`: the
 * account's session epoch (a promise: login reads the account at the same time), or null when
 * unknown - only a trust marker of the same epoch trusts the network, and a success marks it
 * under that epoch (none when null).
 */
export async function beginPasswordAttempt(
  deps: ThrottleDeps,
  emailKey: string,
  network: string | undefined,
  now: Date,
  epoch: number | null | Promise<number | null>,
): Promise<PasswordAttempt> {
  const { throttle: store, events } = deps;
  const keys = throttleKeys(deps.keys, emailKey, network, now);
  const trustId = network === undefined ? undefined : trustIdOf(deps.keys, emailKey, network);
  // An outage here is a 503, nothing counted or checked.
  const [state, sessionEpoch] = await Promise.all([store.read(keys, trustId, now), epoch]);
  const trusted = sessionEpoch !== null && state.trustedEpoch === sessionEpoch;
  const pairCount = state.counters.get(keys.find((k) => k.dimension === "account_ip")?.id ?? "")?.count ?? 0;
  const applicable = keys.filter((key) => {
    if (key.dimension === "account_ip") return true;
    if (trusted) return false; // the owner's own network: no account-wide or address-wide lock
    if (key.dimension === "ip") return pairCount === 0; // distinct accounts, not guesses
    return true;
  });
  await reserve(store, applicable, state.counters, now, events);
  return {
    async succeeded(options) {
      // The pair's own counter starts over; the account and address counters only get this
      // attempt back: an attacker's failures elsewhere stay counted after the owner logs in.
      const cleared = (key: ThrottleKey) =>
        key.dimension === "account_ip" || (options?.clearAccount === true && key.dimension === "account");
      const clear = keys.filter(cleared);
      const giveBack = applicable.filter((key) => !cleared(key));
      const trust =
        trustId !== undefined && sessionEpoch !== null && !trusted
          ? { id: trustId, until: new Date(now.getTime() + TRUST_SECONDS * 1000), epoch: sessionEpoch }
          : undefined;
      await store.settle(giveBack, clear, trust);
    },
  };
}

/** Signups from one network: reserved before the hash, never given back. */
export interface SignupAttempt {
  /** The email was taken (409). */
  emailTaken(): Promise<void>;
  /** The account was made: its network is trusted for it (best effort). */
  signedUp(emailKey: string): Promise<void>;
}

export async function beginSignup(deps: ThrottleDeps, network: string | undefined, now: Date): Promise<SignupAttempt> {
  if (network === undefined) return { emailTaken: async () => undefined, signedUp: async () => undefined };
  const { throttle: store, events } = deps;
  const signupKey = keyOf(deps.keys, "signup_ip", now, network);
  const ipKey = keyOf(deps.keys, "ip", now, network);
  const state = await store.read([signupKey, ipKey], undefined, now);
  // A network locked for guessing (or for probing emails through 409s) cannot sign up either.
  const ipWait = secondsUntil(state.counters.get(ipKey.id)?.lockedUntil ?? null, now);
  if (ipWait > 0) {
    events.security({ event: "throttled", dimensions: ["ip"], retryAfterSeconds: ipWait });
    throw tooManyRequests(ipWait);
  }
  await reserve(store, [signupKey], state.counters, now, events);
  return {
    signedUp: (emailKey) =>
      store.settle([], [], {
        id: trustIdOf(deps.keys, emailKey, network),
        until: new Date(now.getTime() + TRUST_SECONDS * 1000),
        epoch: 0,
      }),
    // A 409 tells whether an email is registered: it counts on the network's `ip` counter like
    // an account that failed (best effort: the 409 is the answer either way).
    emailTaken: async () => {
      try {
        // Stryker disable next-line OptionalChaining: without a counter, the TypeError is caught below, with the same outcome as count 0 (no lock, no event)
        const count = (await store.add([ipKey], 1)).get(ipKey.id)?.count ?? 0;
        const lock = lockSeconds(THROTTLE_RULES.ip, count);
        if (lock > 0) {
          await store.lock(ipKey, new Date(now.getTime() + lock * 1000), count);
          events.security({ event: "locked", dimension: "ip", seconds: lock });
        }
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
  await reserve(deps.throttle, [key], state.counters, now, deps.events);
}
