import {
  type DocumentReference,
  FieldValue,
  type Firestore,
  type Query,
  Timestamp,
  type Transaction,
  type WriteBatch,
} from "firebase-admin/firestore";
import { z } from "zod";
import { withDeadline } from "../deadlines.js";
import {
  AUTH_METHODS,
  type DeviceSession,
  type LiveState,
  type RefreshTokenRecord,
  type StoredRefreshToken,
  type ThrottleSettlement,
  UNKNOWN_DEVICE,
} from "../domain/model.js";
import type { SessionStore } from "../domain/ports.js";
import { COLLECTIONS } from "./collections.js";
import { deleteExpired } from "./expired.js";
import { addSettlementWrites } from "./firestore-throttle-store.js";
import { ALREADY_EXISTS, grpcCode, NOT_FOUND } from "./store-errors.js";

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
  /** How the session was signed in (auth-result.ts, `auth_methods`); sessions from before second factors: a password. */
  methods: z.array(z.enum(AUTH_METHODS)).default(["pwd"]),
});

const LiveDoc = z.object({ uid: z.string(), session_epoch: z.number().int(), expires_at: timestamp });
/** A live record as the list of devices shows it (records from before device names: "Unknown device"). */
const DeviceDoc = LiveDoc.extend({
  device: z.string().default(UNKNOWN_DEVICE),
  created_at: timestamp,
  last_used_at: timestamp.optional(),
});
/** The session state mirrored on `auth_uid_index/{uid}` (firestore-account-store.ts, `sessionMirror`). */
const MirrorDoc = z.object({ session_epoch: z.number().int(), role_id: z.number().int() });

/** What `newId()` makes: a session id. Anything else names no session (and no document path is built from it). */
const SESSION_ID = /^[A-Za-z0-9]{20}$/;

/**
 * A session is the family of refresh tokens descending from one login, and its live record
 * `auth_sessions/{session id}` (what the custom token's `sid` claim names: uid, the session's
 * epoch, its absolute end as `expires_at`). Each token is one document
 * `auth_refresh_tokens/{sha256(token)}` carrying the family's id and both expiries (`expires_at`,
 * the idle expiry, is the TTL field). Two creates per login; a family or a user's sessions are
 * found by querying `session_id` or `uid`.
 */
export function addSessionWrite(db: Firestore, batch: WriteBatch | Transaction, token: RefreshTokenRecord): void {
  batch.create(liveRecord(db, token.sessionId), liveFields(token, token.createdAt));
  addTokenWrite(db, batch, token);
}

const liveFields = (token: RefreshTokenRecord, lastUsedAt: Date | FieldValue) => ({
  uid: token.uid,
  device: token.device ?? UNKNOWN_DEVICE,
  session_epoch: token.sessionEpoch,
  created_at: token.createdAt,
  last_used_at: lastUsedAt,
  expires_at: token.sessionExpiresAt,
});

const liveRecord = (db: Firestore, sessionId: string) => db.collection(COLLECTIONS.sessions).doc(sessionId);

const liveRecordsOf = (db: Firestore, uid: string): Query => db.collection(COLLECTIONS.sessions).where("uid", "==", uid);

function addTokenWrite(db: Firestore, batch: WriteBatch | Transaction, token: RefreshTokenRecord): void {
  batch.create(db.collection(COLLECTIONS.refreshTokens).doc(token.tokenHash), {
    uid: token.uid,
    session_id: token.sessionId,
    email_key: token.emailKey,
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    session_expires_at: token.sessionExpiresAt,
    session_epoch: token.sessionEpoch,
    methods: token.methods,
    live: true, // the head of its family; false once exchanged (the session cap counts heads)
    recorded: true,
  });
}

/** Firestore's limit on writes in one batch (500), with room to spare. */
const BATCH_LIMIT = 400;

export class FirestoreSessionStore implements SessionStore {
  constructor(private readonly db: Firestore) {}

  async create(
    token: RefreshTokenRecord,
    options: {
      readonly rehash?: { readonly from: string; readonly to: string } | undefined;
      readonly settlement?: ThrottleSettlement | undefined;
    } = {},
  ): Promise<{ readonly settled: boolean }> {
    const { rehash, settlement } = options;
    const credential = this.db.collection(COLLECTIONS.credentials).doc(token.emailKey);
    if (rehash === undefined) {
      const batch = this.db.batch();
      addSessionWrite(this.db, batch, token);
      // Counted on the credential (session cap, session.ts); update() fails if the account is gone.
      batch.update(credential, { session_count: FieldValue.increment(1) });
      const settling = settlement !== undefined && addSettlementWrites(this.db, batch, settlement);
      try {
        await withDeadline(() => batch.commit());
      } catch (error) {
        if (!settling) throw error;
        // The session goes alone, and its caller settles another way: whatever failed the commit
        // (a moved pair's precondition, a throttle document too busy), the throttle never fails a
        // login whose password was right. A failure of the session's own writes (an account
        // gone, an outage) fails this one too. Both commits create() the same documents, so at
        // most one lands: when the first did after all (a deadline passed, then it landed), this
        // one finds them (ALREADY_EXISTS; the ids are random) and the settlement is in.
        try {
          await this.create(token);
        } catch (alone) {
          if (grpcCode(alone) === ALREADY_EXISTS) return { settled: true };
          throw alone;
        }
        return { settled: false };
      }
      return { settled: settling };
    }
    // A transaction, so that the hash is replaced only while it is still the one verified: a
    // password change in between keeps its new hash (an imported user's first login, once).
    await withDeadline(() =>
      this.db.runTransaction(async (tx) => {
        const current = await tx.get(credential);
        addSessionWrite(this.db, tx, token);
        const replace = current.get("password_hash") === rehash.from;
        tx.update(credential, { session_count: FieldValue.increment(1), ...(replace && { password_hash: rehash.to }) });
      }),
    );
    return { settled: false };
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
      methods: data.methods,
      recorded: data.recorded,
    };
  }

  async liveState(sessionId: string, uid: string): Promise<LiveState> {
    if (!SESSION_ID.test(sessionId)) return { session: null, current: null };
    const index = this.db.collection(COLLECTIONS.uidIndex).doc(uid);
    const [record, mirror] = await withDeadline(() => this.db.getAll(liveRecord(this.db, sessionId), index));
    const live = record?.exists === true ? LiveDoc.safeParse(record.data()) : undefined;
    const current = mirror?.exists === true ? MirrorDoc.safeParse(mirror.data()) : undefined;
    return {
      session:
        live?.success === true
          ? { sessionId, uid: live.data.uid, sessionEpoch: live.data.session_epoch, expiresAt: live.data.expires_at }
          : null,
      current: current?.success === true ? { sessionEpoch: current.data.session_epoch, roleId: current.data.role_id } : null,
    };
  }

  async rotate(parent: StoredRefreshToken, child: RefreshTokenRecord, now: Date): Promise<"rotated" | "already_rotated" | "gone"> {
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
      batch.update(record, { last_used_at: FieldValue.serverTimestamp(), ...(child.device !== undefined && { device: child.device }) });
    } else {
      // A session from before live records: its record is made now (the parent's update above
      // guards it: a session ended meanwhile has no parent left, and nothing is written).
      batch.set(record, liveFields({ ...parent, device: child.device ?? parent.device }, FieldValue.serverTimestamp()));
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
    // The live record first: from this delete on, no Firebase session made from the session's
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

  async sessionsOf(uid: string, limit: number): Promise<readonly DeviceSession[]> {
    const found = await withDeadline(() => liveRecordsOf(this.db, uid).limit(limit).get());
    return found.docs.flatMap((doc) => {
      const parsed = DeviceDoc.safeParse(doc.data());
      if (!parsed.success) return [];
      const { data } = parsed;
      return [
        {
          sessionId: doc.id,
          uid: data.uid,
          sessionEpoch: data.session_epoch,
          device: data.device,
          createdAt: data.created_at,
          lastUsedAt: data.last_used_at ?? data.created_at,
          expiresAt: data.expires_at,
        },
      ];
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
