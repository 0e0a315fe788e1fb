import type { Deps } from "./deps.js";

export type HousekeepingDeps = Pick<Deps, "accounts" | "sessions" | "throttle" | "codes" | "clock">;

/** Most documents one clean-up run deletes; the rest waits for the next run. */
export const PURGE_LIMIT_PER_RUN = 10_000;

/**
 * Deletes refresh tokens, rotation records, throttle counters and mailed codes past their `expires_at`. Expiry is always
 * checked in code as well; this only keeps the collections small. (A Firestore TTL policy on
 * `expires_at` does the same job and may be used instead or as well.)
 */
export async function purgeExpired(deps: HousekeepingDeps): Promise<number> {
  const now = deps.clock.now();
  let deleted = 0;
  for (const store of [deps.sessions, deps.throttle, deps.codes]) deleted += await store.deleteExpired(now, PURGE_LIMIT_PER_RUN - deleted);
  return deleted;
}

/**
 * The Firebase Auth user was deleted outside this API (console, Admin SDK, another tool): its
 * sessions, uid index and credential must not linger, and the email becomes free. `users/{uid}`
 * is the app's data and is left to the app (FlutterFlow can delete it on user deletion).
 */
export async function forgetDeletedUser(uid: string, deps: HousekeepingDeps): Promise<void> {
  await deps.sessions.revokeAllSessions(uid);
  await deps.accounts.deleteServerRecords(uid);
}
