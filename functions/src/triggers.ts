// Bodies of the background functions declared in index.ts.
import { forgetDeletedUser, purgeExpired } from "./domain/housekeeping.js";
import { housekeepingEvent } from "./logs.js";
import { getDeps } from "./services.js";

export async function runSessionCleanup(): Promise<void> {
  const deleted = await purgeExpired(await getDeps());
  housekeepingEvent("expired_sessions_purged", { deleted });
}

export async function runAuthUserDeleted(uid: string): Promise<void> {
  await forgetDeletedUser(uid, await getDeps());
  housekeepingEvent("deleted_user_records_purged", { uid });
}
