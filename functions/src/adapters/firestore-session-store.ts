import type { Firestore, WriteBatch } from "firebase-admin/firestore";
import type { NewSession, SessionStore } from "../domain/ports.js";
import { COLLECTIONS } from "./collections.js";
import { translateStoreError } from "./store-errors.js";

/**
 * A session is two documents: `auth_sessions/{id}` (the family: one login, its absolute
 * expiry) and `auth_refresh_tokens/{sha256}` (one refresh token, its idle expiry). Rotation
 * adds a token document per refresh; both carry `expires_at`, usable as a TTL field.
 */
export function addSessionWrites(db: Firestore, batch: WriteBatch, session: NewSession): void {
  batch.create(db.collection(COLLECTIONS.sessions).doc(session.id), {
    uid: session.uid,
    created_at: session.createdAt,
    expires_at: session.expiresAt,
  });
  batch.create(db.collection(COLLECTIONS.refreshTokens).doc(session.tokenHash), {
    uid: session.uid,
    session_id: session.id,
    created_at: session.createdAt,
    expires_at: session.tokenExpiresAt,
  });
}

export class FirestoreSessionStore implements SessionStore {
  constructor(private readonly db: Firestore) {}

  async create(session: NewSession): Promise<void> {
    const batch = this.db.batch();
    addSessionWrites(this.db, batch, session);
    await batch.commit().catch((error: unknown) => {
      throw translateStoreError(error);
    });
  }
}
