import { forgetDeletedUser, purgeExpiredSessions } from "./domain/housekeeping.js";
import { housekeepingEvent } from "./logs.js";
import { getServices } from "./services.js";

/** Bodies of the background functions declared in index.ts. */
export async function runSessionCleanup(): Promise<void> {
  const { housekeeping } = await getServices();
  const deleted = await purgeExpiredSessions(housekeeping);
  housekeepingEvent("expired_sessions_purged", { deleted });
}

export async function runAuthUserDeleted(uid: string): Promise<void> {
  const { housekeeping } = await getServices();
  await forgetDeletedUser(uid, housekeeping);
  housekeepingEvent("deleted_user_records_purged", { uid });
}
