import type { Firestore, WriteBatch } from "firebase-admin/firestore";
import type { NewSession, SessionStore } from "../domain/ports.js";
import { COLLECTIONS } from "./collections.js";
import { translateStoreError } from "./store-errors.js";

/**
 * A session is the family of refresh tokens descending from one login; each token is one
 * document `auth_refresh_tokens/{sha256(token)}` carrying the family's id and both expiries
 * (`expires_at`: this token's idle expiry, usable as a TTL field; `session_expires_at`: the
 * absolute end). One write per login; a family is found by querying `session_id`.
 */
export function addSessionWrite(db: Firestore, batch: WriteBatch, session: NewSession): void {
  batch.create(db.collection(COLLECTIONS.refreshTokens).doc(session.tokenHash), {
    uid: session.uid,
    session_id: session.id,
    created_at: session.createdAt,
    expires_at: session.tokenExpiresAt,
    session_expires_at: session.expiresAt,
  });
}

export class FirestoreSessionStore implements SessionStore {
  constructor(private readonly db: Firestore) {}

  async create(session: NewSession): Promise<void> {
    const batch = this.db.batch();
    addSessionWrite(this.db, batch, session);
    await batch.commit().catch((error: unknown) => {
      throw translateStoreError(error);
    });
  }
}
