// Bodies of the background functions declared in index.ts.
import { forgetDeletedUser, purgeExpired } from "./domain/housekeeping.js";
import { housekeepingEvent } from "./logs.js";
import { getDeps } from "./services.js";

export async function runSessionCleanup(): Promise<void> {
  const started = performance.now();
  const elapsedMs = () => performance.now() - started;
  const { deleted, backlogLeft } = await purgeExpired(await getDeps(), elapsedMs);
  // A WARNING when the budget ran out: expired documents wait for the next run (or the TTL policy).
  housekeepingEvent(
    "expired_sessions_purged",
    { deleted, backlog_left: backlogLeft, seconds: Math.round(elapsedMs() / 1000) },
    backlogLeft,
  );
}

export async function runAuthUserDeleted(uid: string): Promise<void> {
  await forgetDeletedUser(uid, await getDeps());
  housekeepingEvent("deleted_user_records_purged", { uid });
}
