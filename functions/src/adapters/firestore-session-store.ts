import {
  type DocumentReference,
  type DocumentSnapshot,
  FieldValue,
  type Firestore,
  type Query,
  Timestamp,
  type Transaction,
  type WriteBatch,
} from "firebase-admin/firestore";
import { z } from "zod";
import { withDeadline } from "../deadlines.js";
import { type LiveSession, type RefreshTokenRecord, StaleAccountError, type StoredRefreshToken } from "../domain/model.js";
import type { SessionBasis, SessionStore } from "../domain/ports.js";
import { COLLECTIONS } from "./collections.js";
import { deleteExpired } from "./expired.js";
import { ALREADY_EXISTS, FAILED_PRECONDITION, grpcCode, NOT_FOUND } from "./store-errors.js";

const timestamp = z.instanceof(Timestamp).transform((t) => t.toDate());

const TokenDoc = z.object({
  uid: z.string(),
  session_id: z.string(),
  email_key: z.string(),
  created_at: timestamp,
  expires_at: timestamp,
  session_expires_at: timestamp,
  rotated_at: timestamp.optional(),
  session_epoch: z.number().int().default(0),
  /** The session has a live record (auth_sessions); sessions from before live records get one at their next refresh. */
  recorded: z.boolean().default(false),
});

const LiveDoc = z.object({ uid: z.string(), role_id: z.number().int(), expires_at: timestamp });

/** What `newId()` makes: a session id. Anything else names no session (and no document path is built from it). */
const SESSION_ID = /^[A-Za-z0-9]{20}$/;

/** Firestore's limit on writes in one batch (500), with room to spare. */
const BATCH_LIMIT = 400;

/**
 * A session is the family of refresh tokens descending from one login, and its live record
 * `auth_sessions/{session id}` (what the custom token's `sid` claim names; its `expires_at` is
 * the session's absolute end). Each token is one document `auth_refresh_tokens/{sha256(token)}`
 * carrying the family's id and both expiries (`expires_at`, the idle expiry, is the TTL field).
 * Two creates per login; a family or a user's sessions are found by querying `session_id` or `uid`.
 */
export function addSessionWrite(db: Firestore, batch: WriteBatch | Transaction, token: RefreshTokenRecord, roleId: number): void {
  batch.create(liveRecord(db, token.sessionId), {
    uid: token.uid,
    role_id: roleId,
    session_epoch: token.sessionEpoch,
    created_at: token.createdAt,
    last_used_at: token.createdAt,
    expires_at: token.sessionExpiresAt,
  });
  addTokenWrite(db, batch, token);
}

const liveRecord = (db: Firestore, sessionId: string) => db.collection(COLLECTIONS.sessions).doc(sessionId);

/** The live records of a user's sessions (a transaction reads them before it ends or rewrites them). */
export const liveRecordsOf = (db: Firestore, uid: string): Query => db.collection(COLLECTIONS.sessions).where("uid", "==", uid);

function addTokenWrite(db: Firestore, batch: WriteBatch | Transaction, token: RefreshTokenRecord): void {
  batch.create(db.collection(COLLECTIONS.refreshTokens).doc(token.tokenHash), {
    uid: token.uid,
    session_id: token.sessionId,
    email_key: token.emailKey,
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    session_expires_at: token.sessionExpiresAt,
    session_epoch: token.sessionEpoch,
    live: true, // the head of its family; false once exchanged (the session cap counts heads)
    recorded: true,
  });
}

/** A credential's update time as the domain's opaque `revision`, and back. */
export const revisionOf = (time: Timestamp): string => `${time.seconds}:${time.nanoseconds}`;
const timeOf = (revision: string): Timestamp => {
  const [seconds, nanoseconds] = revision.split(":").map(Number);
  return new Timestamp(seconds ?? 0, nanoseconds ?? 0);
};

/** The credential still says what the session rests on (the same hash, epoch, role and uid; enabled). */
function stillHolds(doc: DocumentSnapshot, basis: SessionBasis): boolean {
  return (
    doc.exists &&
    doc.get("uid") === basis.uid &&
    doc.get("password_hash") === basis.passwordHash &&
    (doc.get("session_epoch") ?? 0) === basis.sessionEpoch &&
    doc.get("role_id") === basis.roleId &&
    doc.get("disabled") !== true &&
    doc.get("deleting") !== true
  );
}

/** Rounds of "the credential changed, but in nothing the session rests on" (concurrent logins counting sessions) before giving up. */
const MAX_STALE_ROUNDS = 5;

export class FirestoreSessionStore implements SessionStore {
  constructor(private readonly db: Firestore) {}

  /**
   * One commit, guarded by a precondition on the credential's update time as it was read: a
   * write to the credential in between (a password change or reset, a role change, a disabling
   * - each a transaction that also ends or rewrites the live records) fails it, so a session
   * can never outlive a revocation it raced. A credential changed only in what sessions do not
   * rest on (another login's count) is read again and the commit retried.
   */
  async create(token: RefreshTokenRecord, basis: SessionBasis, rehash?: string): Promise<void> {
    const credential = this.db.collection(COLLECTIONS.credentials).doc(token.emailKey);
    let revision = basis.revision;
    let lastError: unknown = new StaleAccountError();
    for (let round = 0; round < MAX_STALE_ROUNDS; round++) {
      if (revision === undefined) {
        const doc = await withDeadline(() => credential.get());
        if (!stillHolds(doc, basis) || doc.updateTime === undefined) throw new StaleAccountError();
        revision = revisionOf(doc.updateTime);
      }
      const batch = this.db.batch();
      addSessionWrite(this.db, batch, token, basis.roleId);
      // Counted on the credential (session cap, session.ts); with a re-hash, the new hash too.
      batch.update(
        credential,
        { session_count: FieldValue.increment(1), ...(rehash !== undefined && { password_hash: rehash }) },
        { lastUpdateTime: timeOf(revision) },
      );
      try {
        await withDeadline(() => batch.commit());
        return;
      } catch (error) {
        const code = grpcCode(error);
        if (code === NOT_FOUND) throw new StaleAccountError();
        if (code !== FAILED_PRECONDITION) throw error;
        lastError = error;
        revision = undefined;
      }
    }
    throw lastError;
  }

  async find(tokenHash: string): Promise<StoredRefreshToken | null> {
    const doc = await withDeadline(() => this.db.collection(COLLECTIONS.refreshTokens).doc(tokenHash).get());
    if (!doc.exists) return null;
    const data = TokenDoc.parse(doc.data());
    return {
      tokenHash,
      sessionId: data.session_id,
      uid: data.uid,
      emailKey: data.email_key,
      createdAt: data.created_at,
      expiresAt: data.expires_at,
      sessionExpiresAt: data.session_expires_at,
      rotatedAt: data.rotated_at ?? null,
      sessionEpoch: data.session_epoch,
      recorded: data.recorded,
    };
  }

  async findLive(sessionId: string): Promise<LiveSession | null> {
    if (!SESSION_ID.test(sessionId)) return null;
    const doc = await withDeadline(() => liveRecord(this.db, sessionId).get());
    if (!doc.exists) return null;
    const data = LiveDoc.parse(doc.data());
    return { sessionId, uid: data.uid, roleId: data.role_id, expiresAt: data.expires_at };
  }

  async rotate(
    parent: StoredRefreshToken,
    child: RefreshTokenRecord,
    now: Date,
    roleId: number,
  ): Promise<"rotated" | "already_rotated" | "gone"> {
    const db = this.db;
    const batch = db.batch();
    // The lock first: of concurrent rotations of one parent, exactly one creates it.
    batch.create(db.collection(COLLECTIONS.refreshRotations).doc(parent.tokenHash), {
      uid: parent.uid,
      session_id: parent.sessionId,
      rotated_at: now,
      expires_at: parent.sessionExpiresAt,
    });
    // update() requires the parent to exist: a session ended meanwhile stays ended. The reuse
    // interval runs from the commit (server time), not from the request: a commit that lands
    // after its deadline (the client got a 503) still leaves the client's retry inside it.
    batch.update(db.collection(COLLECTIONS.refreshTokens).doc(parent.tokenHash), { rotated_at: FieldValue.serverTimestamp(), live: false });
    const record = liveRecord(db, parent.sessionId);
    if (parent.recorded) {
      // update() requires the live record too: a session ended meanwhile is not continued.
      batch.update(record, { last_used_at: FieldValue.serverTimestamp() });
    } else {
      // A session from before live records: its record is made now (the parent's update above
      // guards it: a session ended meanwhile has no parent left, and nothing is written).
      batch.set(record, {
        uid: parent.uid,
        role_id: roleId,
        session_epoch: parent.sessionEpoch,
        created_at: parent.createdAt,
        last_used_at: FieldValue.serverTimestamp(),
        expires_at: parent.sessionExpiresAt,
      });
    }
    addTokenWrite(db, batch, child);
    try {
      await withDeadline(() => batch.commit());
      return "rotated";
    } catch (error) {
      const code = grpcCode(error);
      if (code === ALREADY_EXISTS) return "already_rotated";
      if (code === NOT_FOUND) return "gone";
      throw error;
    }
  }

  async revokeSession(sessionId: string): Promise<void> {
    // The live record first: from this commit on, no Firebase session made from the session's
    // custom tokens is accepted, whatever is left of its tokens.
    if (SESSION_ID.test(sessionId)) await withDeadline(() => liveRecord(this.db, sessionId).delete());
    await this.deleteAll([
      this.db.collection(COLLECTIONS.refreshTokens).where("session_id", "==", sessionId),
      this.db.collection(COLLECTIONS.refreshRotations).where("session_id", "==", sessionId),
    ]);
  }

  async liveSessions(uid: string): Promise<{ readonly sessionId: string; readonly sessionExpiresAt: Date }[]> {
    const heads = await withDeadline(() =>
      this.db
        .collection(COLLECTIONS.refreshTokens)
        .where("uid", "==", uid)
        .where("live", "==", true)
        .select("session_id", "session_expires_at")
        .get(),
    );
    return heads.docs.map((doc) => {
      const data = TokenDoc.pick({ session_id: true, session_expires_at: true }).parse(doc.data());
      return { sessionId: data.session_id, sessionExpiresAt: data.session_expires_at };
    });
  }

  async revokeAllSessions(uid: string): Promise<void> {
    await this.deleteAll([liveRecordsOf(this.db, uid)]); // first: see revokeSession
    await this.deleteAll([
      this.db.collection(COLLECTIONS.refreshTokens).where("uid", "==", uid),
      this.db.collection(COLLECTIONS.refreshRotations).where("uid", "==", uid),
    ]);
  }

  async deleteExpired(now: Date, limit: number): Promise<number> {
    return deleteExpired(this.db, [COLLECTIONS.refreshTokens, COLLECTIONS.refreshRotations, COLLECTIONS.sessions], now, limit);
  }

  /**
   * Deletes what the queries find, then looks again: a rotation that committed between a query
   * and the delete leaves a child the first pass did not see. Once a family's tokens are gone
   * no rotation can add to it (rotation updates its parent, which must exist).
   */
  private async deleteAll(queries: Query[]): Promise<void> {
    for (let pass = 0; pass < 5; pass++) {
      const snapshots = await Promise.all(queries.map((q) => withDeadline(() => q.select().get())));
      const refs: DocumentReference[] = snapshots.flatMap((s) => s.docs.map((d) => d.ref));
      if (refs.length === 0) return;
      for (let i = 0; i < refs.length; i += BATCH_LIMIT) {
        const batch = this.db.batch();
        for (const ref of refs.slice(i, i + BATCH_LIMIT)) batch.delete(ref);
        await withDeadline(() => batch.commit());
      }
    }
  }
}
