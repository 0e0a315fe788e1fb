import { createHash } from "node:crypto";
import { AppError } from "../errors.js";

/**
 * Throttling of password guessing, shared by every instance (the counters live in Firestore).
 *
 * Three counters per failed password check, each with growing delays after a free allowance:
 * - `account`    (the email's key, whether or not an account exists): slows a distributed
 *                attack on one account; short locks, so an attacker cannot lock a victim out
 *                for long (at most 15 minutes at a time).
 * - `account_ip` (that email from one client address): the tightest.
 * - `ip`         (one client address, every email): stops one client spraying many accounts.
 * A counter starts over once `windowSeconds` pass without a failure. A successful login resets
 * the account counters (only when they are non-zero: a normal login writes nothing); the
 * address counter is not reset, or one valid account would launder an attacker's address.
 */
export type Dimension = "account" | "account_ip" | "ip";

export interface Rule {
  /** Failures allowed before any delay. */
  readonly free: number;
  /** Lock after the first failure past the allowance; doubles with each further failure. */
  readonly baseSeconds: number;
  readonly capSeconds: number;
  readonly windowSeconds: number;
}

export const THROTTLE_RULES: Readonly<Record<Dimension, Rule>> = {
  account: { free: 10, baseSeconds: 2, capSeconds: 15 * 60, windowSeconds: 60 * 60 },
  account_ip: { free: 5, baseSeconds: 2, capSeconds: 60 * 60, windowSeconds: 60 * 60 },
  ip: { free: 50, baseSeconds: 2, capSeconds: 60 * 60, windowSeconds: 60 * 60 },
};

export interface ThrottleKey {
  readonly dimension: Dimension;
  /** Document id: SHA-256 of the dimension and its values (no address or email is stored). */
  readonly id: string;
}

export interface Counter {
  readonly failures: number;
  readonly lockedUntil: Date | null;
  /** When the counter starts over (last failure + window). */
  readonly expiresAt: Date;
}

export interface CounterUpdate {
  readonly key: ThrottleKey;
  /** True: the counter had expired or did not exist, so it starts at 1 (else it is incremented). */
  readonly restart: boolean;
  readonly lockedUntil: Date | null;
  readonly expiresAt: Date;
}

export interface ThrottleStore {
  /** Live (unexpired) counters by key id; one round trip. */
  read(keys: readonly ThrottleKey[], now: Date): Promise<ReadonlyMap<string, Counter>>;
  /** Records one failure on every key, in one commit. */
  recordFailure(updates: readonly CounterUpdate[]): Promise<void>;
  reset(keys: readonly ThrottleKey[]): Promise<void>;
}

const keyOf = (dimension: Dimension, ...parts: string[]): ThrottleKey => ({
  dimension,
  id: createHash("sha256").update([dimension, ...parts].join("\u0000")).digest("hex"),
});

/** The counters a password check against `emailKey` from `clientIp` touches. */
export function throttleKeys(emailKey: string, clientIp: string | undefined): ThrottleKey[] {
  const keys = [keyOf("account", emailKey)];
  if (clientIp !== undefined) keys.push(keyOf("account_ip", emailKey, clientIp), keyOf("ip", clientIp));
  return keys;
}

export function lockSeconds(rule: Rule, failures: number): number {
  if (failures <= rule.free) return 0;
  return Math.min(rule.capSeconds, rule.baseSeconds * 2 ** Math.min(30, failures - rule.free - 1));
}

/** Seconds until every touched counter allows another attempt (0: go ahead). */
export function secondsToWait(keys: readonly ThrottleKey[], counters: ReadonlyMap<string, Counter>, now: Date): number {
  let wait = 0;
  for (const key of keys) {
    const lockedUntil = counters.get(key.id)?.lockedUntil;
    if (lockedUntil) wait = Math.max(wait, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
  }
  return wait;
}

/** What one more failure does to each counter. */
export function failureUpdates(keys: readonly ThrottleKey[], counters: ReadonlyMap<string, Counter>, now: Date): CounterUpdate[] {
  return keys.map((key) => {
    const rule = THROTTLE_RULES[key.dimension];
    const current = counters.get(key.id);
    const failures = (current?.failures ?? 0) + 1;
    const lock = lockSeconds(rule, failures);
    return {
      key,
      restart: current === undefined,
      lockedUntil: lock > 0 ? new Date(now.getTime() + lock * 1000) : null,
      expiresAt: new Date(now.getTime() + rule.windowSeconds * 1000),
    };
  });
}

export const tooManyRequests = (retryAfterSeconds: number): AppError =>
  new AppError("too_many_requests", `Too many attempts. Try again in ${retryAfterSeconds} seconds.`, {
    retryAfterSeconds,
  });

/** Refuses the attempt while any counter is locked. */
export function enforce(keys: readonly ThrottleKey[], counters: ReadonlyMap<string, Counter>, now: Date): void {
  const wait = secondsToWait(keys, counters, now);
  if (wait > 0) throw tooManyRequests(wait);
}

/**
 * Counts a failed password check. Fails closed: if the counters cannot be written (contention,
 * an outage), the caller is told to wait rather than allowed an uncounted guess.
 */
export async function countFailure(
  store: ThrottleStore,
  keys: readonly ThrottleKey[],
  counters: ReadonlyMap<string, Counter>,
  now: Date,
): Promise<void> {
  try {
    await store.recordFailure(failureUpdates(keys, counters, now));
  } catch (error) {
    throw new AppError("too_many_requests", tooManyRequests(1).message, { retryAfterSeconds: 1, cause: error });
  }
}

/** After a successful check: clears the account counters, writing only if there is something to clear. */
export async function clearAfterSuccess(
  store: ThrottleStore,
  keys: readonly ThrottleKey[],
  counters: ReadonlyMap<string, Counter>,
): Promise<void> {
  const stale = keys.filter((key) => key.dimension !== "ip" && counters.has(key.id));
  if (stale.length > 0) await store.reset(stale);
}
