// The daily clean-up's query, shared by the stores whose documents carry `expires_at` (the TTL
// field, collections.ts EXPIRING_COLLECTIONS): deletes up to `limit` expired documents of
// `collections`, a batch at a time. Fewer than `limit` deleted means none of them has an expired
// document left (as of `now`); the clean-up (domain/housekeeping.ts) calls again until then.
// The query needs `expires_at`'s ascending single-field index, which firestore.indexes.json keeps.
import type { Firestore } from "firebase-admin/firestore";
import { withDeadline } from "../deadlines.js";
import type { ExpiringCollection } from "./collections.js";

const BATCH_LIMIT = 400;

export async function deleteExpired(db: Firestore, collections: readonly ExpiringCollection[], now: Date, limit: number): Promise<number> {
  let deleted = 0;
  for (const name of collections) {
    while (deleted < limit) {
      const query = db
        .collection(name)
        .where("expires_at", "<=", now)
        .limit(Math.min(BATCH_LIMIT, limit - deleted))
        .select();
      const page = await withDeadline(() => query.get());
      if (page.empty) break;
      const batch = db.batch();
      for (const doc of page.docs) batch.delete(doc.ref);
      await withDeadline(() => batch.commit());
      deleted += page.size;
    }
  }
  return deleted;
}
