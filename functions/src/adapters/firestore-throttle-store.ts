import { type DocumentSnapshot, FieldValue, type Firestore, Timestamp, type WriteBatch } from "firebase-admin/firestore";
import { withDeadline } from "../deadlines.js";
import type { Counter, CounterWrite, ThrottleKey, ThrottleSettlement } from "../domain/model.js";
import type { ThrottleStore } from "../domain/ports.js";
import { COLLECTIONS } from "./collections.js";
import { DocumentReads } from "./document-reads.js";
import { deleteExpired } from "./expired.js";
import { isConflict } from "./store-errors.js";

/**
 * Throttle counters: `auth_throttle/{hmac(dimension, values, window)}` = `{dimension, count,
 * locked_until?, lock_rank?, network_units? (pair counters), expires_at}`, and trusted networks `auth_throttle/{hmac("trusted",
 * email key, network)}` = `{dimension: "trusted", expires_at, session_epoch}` (ids from `Keys.throttle`). No
 * email or address is stored. Counts change only by `FieldValue.increment`, which commutes: concurrent
 * reservations never contend (a transaction on one hot document serializes and aborts under
 * a burst: 5 concurrent ones took 5 s on the emulator, 40 aborted 34), or by a compare-and-set
 * on the documents' update time (`reserveAt`: no lock held, a conflict is a failed precondition
 * and the caller falls back to increments). `expires_at` is the TTL field, and the daily
 * clean-up deletes expired documents.
 */
const date = (value: unknown): Date | null => (value instanceof Timestamp ? value.toDate() : null);

function counterFrom(doc: DocumentSnapshot): Counter | undefined {
  const count: unknown = doc.get("count");
  if (!doc.exists || typeof count !== "number") return undefined;
  const rank: unknown = doc.get("lock_rank");
  return {
    count,
    lockedUntil: date(doc.get("locked_until")),
    lockRank: typeof rank === "number" ? rank : 0,
    ...networkUnitsOf(doc),
  };
}

/** A pair counter's units on its network (`counted_on_network: true`, written by the version before units: one). */
function networkUnitsOf(doc: DocumentSnapshot): { networkUnits?: number } {
  const units: unknown = doc.get("network_units");
  if (typeof units === "number") return { networkUnits: units };
  return doc.get("counted_on_network") === true ? { networkUnits: 1 } : {};
}

/** The fields that give `units` back on a network shard (merged: the shard may be gone). */
const unitsBack = (network: ThrottleKey, units: number) => ({ count: FieldValue.increment(-units), expires_at: network.expiresAt });

/** A document's version, as the compare-and-set names it: its update time, exactly. */
const versionOf = (time: Timestamp): string => `${time.seconds}.${String(time.nanoseconds).padStart(9, "0")}`;
function timeOf(version: string): Timestamp {
  const [seconds, nanos] = version.split(".");
  return new Timestamp(Number(seconds), Number(nanos));
}

function countersFrom(docs: readonly DocumentSnapshot[]): Map<string, Counter> {
  const counters = new Map<string, Counter>();
  for (const doc of docs) {
    const counter = counterFrom(doc);
    if (counter !== undefined) counters.set(doc.id, counter);
  }
  return counters;
}

function versionsFrom(docs: readonly DocumentSnapshot[]): Map<string, string> {
  const versions = new Map<string, string>();
  for (const doc of docs) if (doc.exists && doc.updateTime !== undefined) versions.set(doc.id, versionOf(doc.updateTime));
  return versions;
}

/**
 * Puts `settlement`'s writes (ThrottleStore.settle) on `batch`, so that they can land with other
 * writes (a login's session: SessionStore.create). False, with nothing put on it, when the
 * release's pair had no version (it cannot be named by a precondition: it must be settled by
 * the transaction, `releaseNetworkUnits`).
 */
export function addSettlementWrites(db: Firestore, batch: WriteBatch, settlement: ThrottleSettlement): boolean {
  const ref = (id: string) => db.collection(COLLECTIONS.throttle).doc(id);
  const { giveBack, clear, trust, release } = settlement;
  if (release !== undefined) {
    if (release.pair.version === null) return false;
    batch.delete(ref(release.pair.key.id), { lastUpdateTime: timeOf(release.pair.version) });
    if (release.units > 0) batch.set(ref(release.network.id), unitsBack(release.network, release.units), { merge: true });
  }
  for (const key of giveBack) batch.set(ref(key.id), { count: FieldValue.increment(-1) }, { merge: true });
  for (const key of clear) batch.delete(ref(key.id));
  if (trust !== undefined) batch.set(ref(trust.id), { dimension: "trusted", expires_at: trust.until, session_epoch: trust.epoch });
  return true;
}

export class FirestoreThrottleStore implements ThrottleStore {
  constructor(
    private readonly db: Firestore,
    private readonly reads = new DocumentReads(db),
  ) {}

  private ref(id: string) {
    return this.db.collection(COLLECTIONS.throttle).doc(id);
  }

  async read(keys: readonly ThrottleKey[], trustId: string | undefined, now: Date) {
    const refs = keys.map((key) => this.ref(key.id));
    if (trustId !== undefined) refs.push(this.ref(trustId));
    // Batched (DocumentReads): a login's credential, looked up at the same time, shares the call.
    const docs = await withDeadline(() => this.reads.get(refs));
    const trust = trustId === undefined ? undefined : docs.pop();
    const trustedUntil = trust === undefined ? null : date(trust.get("expires_at"));
    const epoch: unknown = trust?.get("session_epoch") ?? 0; // markers from before epochs: epoch 0
    const trustedEpoch = trustedUntil !== null && trustedUntil > now && typeof epoch === "number" ? epoch : null;
    return { counters: countersFrom(docs), versions: versionsFrom(docs), trustedEpoch };
  }

  async reserveAt(writes: readonly CounterWrite[]): Promise<ReadonlyMap<string, string> | null> {
    const batch = this.db.batch();
    for (const { key, version, counter } of writes) {
      const fields = {
        dimension: key.dimension,
        count: counter.count,
        expires_at: key.expiresAt,
        ...(counter.lockedUntil !== null && { locked_until: counter.lockedUntil, lock_rank: counter.lockRank }),
        ...(counter.networkUnits !== undefined && { network_units: counter.networkUnits }),
      };
      if (version === null) batch.create(this.ref(key.id), fields);
      else batch.update(this.ref(key.id), fields, { lastUpdateTime: timeOf(version) });
    }
    try {
      const results = await withDeadline(() => batch.commit());
      return new Map(writes.map((write, i) => [write.key.id, versionOf(results[i]?.writeTime ?? Timestamp.now())]));
    } catch (error) {
      if (isConflict(error)) return null;
      throw error;
    }
  }

  async add(keys: readonly ThrottleKey[], delta: number, unitsOf?: ThrottleKey) {
    const batch = this.db.batch();
    for (const key of keys) {
      batch.set(
        this.ref(key.id),
        {
          dimension: key.dimension,
          count: FieldValue.increment(delta),
          expires_at: key.expiresAt,
          ...(key === unitsOf && { network_units: FieldValue.increment(delta) }),
        },
        { merge: true },
      );
    }
    await withDeadline(() => batch.commit());
    const docs = await withDeadline(() => this.db.getAll(...keys.map((key) => this.ref(key.id))));
    return { counters: countersFrom(docs), versions: versionsFrom(docs) };
  }

  async settle(settlement: ThrottleSettlement): Promise<boolean> {
    const { giveBack, clear, trust, release } = settlement;
    if (giveBack.length + clear.length === 0 && trust === undefined && release === undefined) return true;
    const batch = this.db.batch();
    if (!addSettlementWrites(this.db, batch, settlement)) return false;
    try {
      await withDeadline(() => batch.commit());
    } catch (error) {
      if (release !== undefined && isConflict(error)) return false;
      throw error;
    }
    return true;
  }

  async releaseNetworkUnits(pair: ThrottleKey, network: ThrottleKey): Promise<void> {
    await withDeadline(() =>
      this.db.runTransaction(async (tx) => {
        const doc = await tx.get(this.ref(pair.id));
        if (!doc.exists) return;
        const units = networkUnitsOf(doc).networkUnits ?? 0;
        tx.delete(this.ref(pair.id));
        if (units > 0) tx.set(this.ref(network.id), unitsBack(network, units), { merge: true });
      }),
    );
  }

  async lock(key: ThrottleKey, until: Date, rank: number): Promise<void> {
    await withDeadline(() => this.ref(key.id).set({ locked_until: until, lock_rank: rank }, { merge: true }));
  }

  async deleteExpired(now: Date, limit: number): Promise<number> {
    return deleteExpired(this.db, [COLLECTIONS.throttle], now, limit);
  }
}
