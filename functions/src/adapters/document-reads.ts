import DataLoader from "dataloader";
import type { DocumentReference, DocumentSnapshot, Firestore } from "firebase-admin/firestore";

/**
 * Document lookups made in the same turn of the event loop go out as one `getAll`: one round trip
 * and one call's CPU in the Firestore client (each call costs the function's CPU whatever it
 * carries; docs/benchmark.md). A login looks up its credential and its
 * throttle counters at once (login.ts): one call, not two. Lookups of concurrent requests of
 * one instance made in the same turn share a call too.
 *
 * Batching, not caching (`cache: false`): every lookup reads Firestore afresh. The caller races
 * its own deadline (withDeadline) around `get`, so one request's spent budget never fails
 * another's lookup: the shared call itself runs without one, and a failure of it fails every
 * lookup it carried (they were all at the same Firestore). A reference asked twice in one call
 * is read once. `dataloader` (the GraphQL Foundation's, MIT, no dependencies) does the batching.
 */
export class DocumentReads {
  private readonly loader: DataLoader<DocumentReference, DocumentSnapshot, string>;

  constructor(db: Firestore) {
    this.loader = new DataLoader(
      async (refs) => {
        const unique = [...new Map(refs.map((ref) => [ref.path, ref])).values()];
        const byPath = new Map((await db.getAll(...unique)).map((doc) => [doc.ref.path, doc]));
        return refs.map((ref) => byPath.get(ref.path) ?? new Error(`getAll answered no document for ${ref.path}`));
      },
      { cache: false, maxBatchSize: 100 },
    );
  }

  /** The documents of `refs`, in their order (missing ones as snapshots that do not exist). */
  get(refs: readonly DocumentReference[]): Promise<DocumentSnapshot[]> {
    return Promise.all(refs.map((ref) => this.loader.load(ref)));
  }
}
