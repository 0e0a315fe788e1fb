import type { Deps } from "./deps.js";

export type HousekeepingDeps = Pick<Deps, "accounts" | "sessions" | "throttle" | "codes" | "challenges" | "passkeys" | "clock">;

/** The clean-up function's timeout (index.ts, cleanupSessions). */
export const CLEANUP_TIMEOUT_SECONDS = 540;

/**
 * How long one clean-up run keeps deleting: 8 of its 9 minutes. The last minute is for the step
 * under way (a few Firestore calls of at most 6 s each, deadlines.ts) and the log line.
 */
export const PURGE_BUDGET_MS = (CLEANUP_TIMEOUT_SECONDS - 60) * 1000;

/** Documents one step deletes from one store: one query and one batch in the Firestore stores (adapters/expired.ts). */
export const PURGE_STEP = 400;

/** What one run did: how many documents it deleted, and whether it stopped at its budget with expired ones perhaps left. */
export interface PurgeOutcome {
  readonly deleted: number;
  readonly backlogLeft: boolean;
}

type Sweeper = Pick<HousekeepingDeps["sessions"], "deleteExpired">;

/**
 * Deletes session records, refresh tokens, rotation records, throttle counters, trust markers and
 * mailed codes and two-step sign-ins past their `expires_at`, step by step, until none is left or the run's budget
 * (PURGE_BUDGET_MS of `elapsedMs`, a monotonic stopwatch the caller started) is spent. The stores
 * take turns, one step each, so a large backlog in one does not starve the others. A run that
 * stops at its budget says so (`backlogLeft`); the next run goes on where it stopped.
 *
 * The TTL policies on `expires_at` (firestore.indexes.json) are the primary deletion; this is the
 * fallback, for projects without them and for what TTL has not reached yet (it deletes within
 * about 24 h). Expiry is always checked in code as well: this only keeps the collections small.
 */
export async function purgeExpired(deps: HousekeepingDeps, elapsedMs: () => number): Promise<PurgeOutcome> {
  const now = deps.clock.now();
  let pending: readonly Sweeper[] = [deps.sessions, deps.throttle, deps.codes, deps.challenges, deps.passkeys];
  let deleted = 0;
  while (pending.length > 0) {
    const more: Sweeper[] = [];
    for (const store of pending) {
      if (elapsedMs() >= PURGE_BUDGET_MS) return { deleted, backlogLeft: true };
      const step = await store.deleteExpired(now, PURGE_STEP);
      deleted += step;
      if (step >= PURGE_STEP) more.push(store); // a full step: there may be more
    }
    pending = more;
  }
  return { deleted, backlogLeft: false };
}

/**
 * The Firebase Auth user was deleted outside this API (console, Admin SDK, another tool): its
 * sessions, uid index and credential must not linger, and the email becomes free. `users/{uid}`
 * is the app's data and is left to the app (FlutterFlow can delete it on user deletion).
 */
export async function forgetDeletedUser(uid: string, deps: HousekeepingDeps): Promise<void> {
  await deps.sessions.revokeAllSessions(uid);
  await deps.passkeys.removeAllOf(uid);
  await deps.accounts.deleteServerRecords(uid);
}
