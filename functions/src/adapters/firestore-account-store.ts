import { FieldValue, Timestamp, type Firestore } from "firebase-admin/firestore";
import { z } from "zod";
import {
  EmailTakenError,
  type Account,
  type AccountStore,
  type NewAccount,
} from "../domain/ports.js";
import { COLLECTIONS } from "./collections.js";
import { addSessionWrites } from "./firestore-session-store.js";
import { ALREADY_EXISTS, grpcCode, translateStoreError } from "./store-errors.js";

const timestamp = z.instanceof(Timestamp).transform((t) => t.toDate());

/** The stored shape of `auth_credentials/{uid}`, checked on every read. */
const CredentialDoc = z.object({
  email: z.string(),
  email_key: z.string(),
  display_name: z.string(),
  password_hash: z.string(),
  role_id: z.number().int(),
  disabled: z.boolean(),
  auth_user_synced: z.boolean(),
  created_at: timestamp,
});

const IndexDoc = z.object({ uid: z.string() });

export class FirestoreAccountStore implements AccountStore {
  constructor(private readonly db: Firestore) {}

  async create({ account, profile, session }: NewAccount): Promise<void> {
    const db = this.db;
    const batch = db.batch();
    // The email index goes first: on real Firestore the batch is atomic anyway; on stores that
    // apply writes one by one, a lost race then fails before anything else is written.
    batch.create(db.collection(COLLECTIONS.emailIndex).doc(account.emailKey), {
      uid: account.uid,
      created_at: account.createdAt,
    });
    batch.create(db.collection(COLLECTIONS.credentials).doc(account.uid), {
      email: account.email,
      email_key: account.emailKey,
      display_name: account.displayName,
      password_hash: account.passwordHash,
      role_id: account.roleId,
      disabled: account.disabled,
      auth_user_synced: account.authUserSynced,
      created_at: account.createdAt,
      updated_at: account.createdAt,
    });
    // FlutterFlow's users schema; role_id is a display copy only (clients can write here).
    batch.create(db.collection(COLLECTIONS.users).doc(profile.uid), {
      uid: profile.uid,
      email: profile.email,
      display_name: profile.displayName,
      created_time: profile.createdAt,
      role_id: profile.roleId,
    });
    addSessionWrites(db, batch, session);
    try {
      await batch.commit();
    } catch (error) {
      if (grpcCode(error) === ALREADY_EXISTS) throw new EmailTakenError();
      throw translateStoreError(error);
    }
  }

  async removeCreated({ account, session }: NewAccount): Promise<void> {
    const db = this.db;
    const batch = db.batch();
    batch.delete(db.collection(COLLECTIONS.refreshTokens).doc(session.tokenHash));
    batch.delete(db.collection(COLLECTIONS.sessions).doc(session.id));
    batch.delete(db.collection(COLLECTIONS.users).doc(account.uid));
    batch.delete(db.collection(COLLECTIONS.credentials).doc(account.uid));
    // Last: while it exists nobody else can claim the email, so it is ours to delete.
    batch.delete(db.collection(COLLECTIONS.emailIndex).doc(account.emailKey));
    await batch.commit().catch((error: unknown) => {
      throw translateStoreError(error);
    });
  }

  async findByEmailKey(emailKey: string): Promise<Account | null> {
    try {
      const index = await this.db.collection(COLLECTIONS.emailIndex).doc(emailKey).get();
      if (!index.exists) return null;
      const { uid } = IndexDoc.parse(index.data());
      const doc = await this.db.collection(COLLECTIONS.credentials).doc(uid).get();
      if (!doc.exists) return null;
      const data = CredentialDoc.parse(doc.data());
      return {
        uid,
        email: data.email,
        emailKey: data.email_key,
        displayName: data.display_name,
        passwordHash: data.password_hash,
        roleId: data.role_id,
        disabled: data.disabled,
        authUserSynced: data.auth_user_synced,
        createdAt: data.created_at,
      };
    } catch (error) {
      throw translateStoreError(error);
    }
  }

  async markAuthUserSynced(uid: string): Promise<void> {
    await this.updateCredential(uid, { auth_user_synced: true });
  }

  async updatePasswordHash(uid: string, passwordHash: string): Promise<void> {
    await this.updateCredential(uid, { password_hash: passwordHash });
  }

  private async updateCredential(uid: string, fields: Record<string, unknown>): Promise<void> {
    try {
      // update() requires the document to exist: it never resurrects a deleted account.
      await this.db
        .collection(COLLECTIONS.credentials)
        .doc(uid)
        .update({ ...fields, updated_at: FieldValue.serverTimestamp() });
    } catch (error) {
      throw translateStoreError(error);
    }
  }
}
