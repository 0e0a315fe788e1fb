import { FieldValue, Timestamp, type DocumentSnapshot, type Firestore } from "firebase-admin/firestore";
import type { Counter, CounterUpdate, ThrottleKey, ThrottleStore } from "../domain/throttle.js";
import { COLLECTIONS } from "./collections.js";
import { translateStoreError, withDeadline } from "./store-errors.js";

const date = (value: unknown): Date | null => (value instanceof Timestamp ? value.toDate() : null);

/**
 * Throttle counters: `auth_throttle/{sha256(dimension, values)}` = `{dimension, failures,
 * locked_until?, expires_at}`. No email or address is stored, only the hash. Reads are one
 * round trip (getAll); a failure is one commit; increments keep concurrent failures counted.
 * `expires_at` is the TTL field.
 */
/** Live counters among `docs` (expired or missing ones are left out). */
export function countersFromDocs(docs: readonly DocumentSnapshot[], now: Date): Map<string, Counter> {
  const counters = new Map<string, Counter>();
  for (const doc of docs) {
    const expiresAt = date(doc.get("expires_at"));
    const failures: unknown = doc.get("failures");
    if (!doc.exists || expiresAt === null || expiresAt <= now || typeof failures !== "number") continue;
    counters.set(doc.id, { failures, lockedUntil: date(doc.get("locked_until")), expiresAt });
  }
  return counters;
}

export class FirestoreThrottleStore implements ThrottleStore {
  constructor(private readonly db: Firestore) {}

  ref(key: ThrottleKey) {
    return this.db.collection(COLLECTIONS.throttle).doc(key.id);
  }

  async read(keys: readonly ThrottleKey[], now: Date): Promise<ReadonlyMap<string, Counter>> {
    try {
      return countersFromDocs(await withDeadline(this.db.getAll(...keys.map((key) => this.ref(key)))), now);
    } catch (error) {
      throw translateStoreError(error);
    }
  }

  async recordFailure(updates: readonly CounterUpdate[]): Promise<void> {
    const batch = this.db.batch();
    for (const update of updates) {
      const fields = {
        dimension: update.key.dimension,
        expires_at: update.expiresAt,
        ...(update.lockedUntil !== null && { locked_until: update.lockedUntil }),
      };
      if (update.restart) batch.set(this.ref(update.key), { ...fields, failures: 1 });
      else batch.set(this.ref(update.key), { ...fields, failures: FieldValue.increment(1) }, { merge: true });
    }
    await batch.commit();
  }

  async reset(keys: readonly ThrottleKey[]): Promise<void> {
    const batch = this.db.batch();
    for (const key of keys) batch.delete(this.ref(key));
    await batch.commit().catch((error: unknown) => {
      throw translateStoreError(error);
    });
  }
}
