import { isDeepStrictEqual } from "node:util";
import {
  type DocumentReference,
  type DocumentSnapshot,
  FieldPath,
  FieldValue,
  type Firestore,
  type Query,
  Timestamp,
} from "firebase-admin/firestore";
import { z } from "zod";
import { withDeadline } from "../deadlines.js";
import {
  type Account,
  EmailTakenError,
  type FactorUpdate,
  type MfaChallenge,
  type NewAccount,
  type PendingFactor,
  type SecondFactor,
  StaleAccountError,
  UidTakenError,
  type UserListPosition,
  type UserProfile,
} from "../domain/model.js";
import type { AccountStore } from "../domain/ports.js";
import { COLLECTIONS } from "./collections.js";
import { DocumentReads } from "./document-reads.js";
import { challengeFromDoc } from "./firestore-challenge-store.js";
import { addSessionWrite } from "./firestore-session-store.js";
import { ALREADY_EXISTS, FAILED_PRECONDITION, grpcCode, NOT_FOUND } from "./store-errors.js";

const timestamp = z.instanceof(Timestamp).transform((t) => t.toDate());

/** The stored shape of `auth_credentials/{emailKey}`, checked on every read. */
const CredentialDoc = z.object({
  uid: z.string(),
  email: z.string(),
  display_name: z.string(),
  password_hash: z.string(),
  role_id: z.number().int(),
  disabled: z.boolean(),
  auth_user_synced: z.boolean(),
  deleting: z.boolean().default(false),
  session_epoch: z.number().int().default(0),
  session_count: z.number().int().default(0),
  email_verified: z.boolean().default(false),
  created_at: timestamp,
  /** The second factor (domain/second-factor.ts); absent or null: none. */
  mfa: z
    .object({
      totp_secret: z.string(),
      last_step: z.number().int().nullable(),
      recovery_digests: z.array(z.string()),
      activated_at: timestamp,
    })
    .nullable()
    .default(null),
  /** An authenticator-app setup waiting for its first code; absent or null: none. */
  mfa_pending: z.object({ totp_secret: z.string(), expires_at: timestamp }).nullable().default(null),
});

/** The stored form of a second factor (CredentialDoc's `mfa`). */
const factorFields = (factor: SecondFactor | null) =>
  factor === null
    ? null
    : {
        totp_secret: factor.sealedSecret,
        last_step: factor.lastStep,
        recovery_digests: factor.recoveryDigests,
        activated_at: factor.activatedAt,
      };

const pendingFields = (pending: PendingFactor | null) =>
  pending === null ? null : { totp_secret: pending.sealedSecret, expires_at: pending.expiresAt };

/** An `auth_credentials` document as an Account (null when it does not exist). */
export function accountFromDoc(emailKey: string, doc: DocumentSnapshot): Account | null {
  if (!doc.exists) return null;
  const data = CredentialDoc.parse(doc.data());
  return {
    uid: data.uid,
    email: data.email,
    emailKey,
    displayName: data.display_name,
    passwordHash: data.password_hash,
    roleId: data.role_id,
    disabled: data.disabled,
    authUserSynced: data.auth_user_synced,
    deleting: data.deleting,
    sessionEpoch: data.session_epoch,
    sessionCount: data.session_count,
    emailVerified: data.email_verified,
    createdAt: data.created_at,
    secondFactor:
      data.mfa === null
        ? null
        : {
            sealedSecret: data.mfa.totp_secret,
            lastStep: data.mfa.last_step,
            recoveryDigests: data.mfa.recovery_digests,
            activatedAt: data.mfa.activated_at,
          },
    pendingFactor:
      data.mfa_pending === null ? null : { sealedSecret: data.mfa_pending.totp_secret, expiresAt: data.mfa_pending.expires_at },
  };
}

/** The stored shape of a new credential (CredentialDoc). */
function credentialFields(account: Account): Record<string, unknown> {
  return {
    uid: account.uid,
    email: account.email,
    display_name: account.displayName,
    password_hash: account.passwordHash,
    role_id: account.roleId,
    disabled: account.disabled,
    auth_user_synced: account.authUserSynced,
    session_epoch: account.sessionEpoch,
    email_verified: account.emailVerified,
    session_count: account.sessionCount,
    session_mirror: sessionMirror(account),
    created_at: account.createdAt,
    updated_at: account.createdAt,
    ...(account.secondFactor !== null && { mfa: factorFields(account.secondFactor) }),
  };
}

/**
 * The session state `auth_uid_index/{uid}` mirrors from the credential: what the API's ID-token
 * check and the rules' `liveSession()` compare a token and its session record with (they know the
 * uid, not the email). Written in the same commit as every change of the credential's epoch or
 * role; the credential keeps a copy of what was mirrored (`session_mirror`), so a credential
 * changed by hand (the first admin, made in the console) or from before the mirror is mirrored
 * again at its next read (`mirrored()`).
 */
const sessionMirror = (account: Pick<Account, "sessionEpoch" | "roleId">) => ({
  session_epoch: account.sessionEpoch,
  role_id: account.roleId,
});

const uidIndexFields = (account: Account) => ({ email_key: account.emailKey, created_at: account.createdAt, ...sessionMirror(account) });

/** Rounds of "the credential moved between the read and the write" (concurrent logins count sessions on it) before giving up. */
const MAX_REWRITE_ROUNDS = 20;

/** FlutterFlow's users schema; role_id is a display copy only (clients can write here). */
const profileFields = (profile: UserProfile) => ({
  uid: profile.uid,
  email: profile.email,
  display_name: profile.displayName,
  created_time: profile.createdAt,
  role_id: profile.roleId,
});

export class FirestoreAccountStore implements AccountStore {
  constructor(
    private readonly db: Firestore,
    private readonly reads = new DocumentReads(db),
  ) {}

  private credential(emailKey: string) {
    return this.db.collection(COLLECTIONS.credentials).doc(emailKey);
  }

  async create({ account, profile, session, legacyEmailKey }: NewAccount): Promise<void> {
    const db = this.db;
    // An account written before the HMAC keys still holds its email at the legacy id.
    if ((await withDeadline(() => this.credential(legacyEmailKey).get())).exists) throw new EmailTakenError();
    const batch = db.batch();
    // The credential (keyed by the email's hash) goes first: its create() precondition is the
    // uniqueness lock. Real Firestore commits a batch all or nothing; the offline stand-in is
    // patched to do the same, and with this order a lost race fails before any other write.
    batch.create(this.credential(account.emailKey), credentialFields(account));
    batch.create(db.collection(COLLECTIONS.uidIndex).doc(account.uid), uidIndexFields(account));
    batch.create(db.collection(COLLECTIONS.users).doc(profile.uid), profileFields(profile));
    if (session !== null) addSessionWrite(db, batch, session);
    try {
      await withDeadline(() => batch.commit());
    } catch (error) {
      if (grpcCode(error) === ALREADY_EXISTS) throw new EmailTakenError();
      throw error; // past the deadline the outcome is unknown: a retried signup is answered as the first (signup.ts)
    }
  }

  async importAccount({ account, profile, legacyEmailKey }: NewAccount): Promise<{ readonly profileCreated: boolean }> {
    const db = this.db;
    const index = db.collection(COLLECTIONS.uidIndex).doc(account.uid);
    const user = db.collection(COLLECTIONS.users).doc(profile.uid);
    return withDeadline(() =>
      db.runTransaction(async (tx) => {
        const [credential, legacy, indexed, existingUser] = await tx.getAll(
          this.credential(account.emailKey),
          this.credential(legacyEmailKey),
          index,
          user,
        );
        if (credential?.exists === true || legacy?.exists === true) throw new EmailTakenError();
        if (indexed?.exists === true) throw new UidTakenError();
        tx.create(this.credential(account.emailKey), credentialFields(account));
        tx.create(index, uidIndexFields(account));
        const profileCreated = existingUser?.exists !== true;
        if (profileCreated) tx.create(user, profileFields(profile));
        else tx.set(user, { uid: profile.uid, email: profile.email, role_id: profile.roleId }, { merge: true });
        return { profileCreated };
      }),
    );
  }

  async undoImport({ account, profile }: NewAccount, profileCreated: boolean): Promise<void> {
    const batch = this.db.batch();
    if (profileCreated) batch.delete(this.db.collection(COLLECTIONS.users).doc(profile.uid));
    batch.delete(this.db.collection(COLLECTIONS.uidIndex).doc(account.uid));
    batch.delete(this.credential(account.emailKey));
    await withDeadline(() => batch.commit());
  }

  async deleteCreated({ account, session }: NewAccount): Promise<void> {
    const db = this.db;
    const batch = db.batch();
    if (session !== null) {
      batch.delete(db.collection(COLLECTIONS.refreshTokens).doc(session.tokenHash));
      batch.delete(db.collection(COLLECTIONS.sessions).doc(session.sessionId));
    }
    batch.delete(db.collection(COLLECTIONS.users).doc(account.uid));
    batch.delete(db.collection(COLLECTIONS.uidIndex).doc(account.uid));
    // Last: while it exists nobody else can claim the email, so it is ours to delete.
    batch.delete(this.credential(account.emailKey));
    await withDeadline(() => batch.commit());
  }

  async findByEmailKey(emailKey: string): Promise<Account | null> {
    return this.mirrored(emailKey, await withDeadline(() => this.credential(emailKey).get()));
  }

  async findByEmail(email: { readonly key: string; readonly legacyKey: string }): Promise<Account | null> {
    // Batched (DocumentReads): a login's throttle counters, looked up at the same time, share the call.
    const [current, legacy] = await withDeadline(() => this.reads.get([this.credential(email.key), this.credential(email.legacyKey)]));
    if (current?.exists) return this.mirrored(email.key, current);
    if (legacy === undefined || !legacy.exists) return null;
    return this.migrate(email, legacy);
  }

  /**
   * Moves a credential from its legacy id to its keyed id, with the uid index, in one batch:
   * the create() precondition makes a concurrent migration (or signup) lose cleanly, and the
   * delete's precondition a second mover. Refresh tokens keep naming the old id; refresh finds
   * the account through the uid index then (refresh.ts).
   */
  private async migrate(email: { readonly key: string; readonly legacyKey: string }, legacy: DocumentSnapshot): Promise<Account | null> {
    const data = legacy.data() ?? {};
    const batch = this.db.batch();
    batch.create(this.credential(email.key), { ...data, updated_at: FieldValue.serverTimestamp() });
    batch.delete(legacy.ref, { exists: true });
    if (typeof data.uid === "string") {
      batch.set(this.db.collection(COLLECTIONS.uidIndex).doc(data.uid), { email_key: email.key }, { merge: true });
    }
    try {
      await withDeadline(() => batch.commit());
    } catch (error) {
      const code = grpcCode(error);
      if (code !== ALREADY_EXISTS && code !== NOT_FOUND) throw error;
      // Someone else moved it meanwhile: it is at the keyed id now.
    }
    return this.findByEmailKey(email.key);
  }

  /**
   * The account of `doc`, its session state mirrored first when the uid index may not have it (a
   * credential from before the mirror, or edited by hand: one more round trip, once).
   */
  private async mirrored(emailKey: string, doc: DocumentSnapshot): Promise<Account | null> {
    const account = accountFromDoc(emailKey, doc);
    const mirror: unknown = doc.get("session_mirror");
    if (account === null || isDeepStrictEqual(mirror, sessionMirror(account))) return account;
    return this.rewrite(emailKey, (current) => current).catch((error: unknown) => {
      if (error instanceof StaleAccountError) return null; // deleted meanwhile
      throw error;
    });
  }

  /**
   * A read-modify-write of the credential's session state (hash, epoch, role, status) and its
   * mirror on the uid index, as one commit made only while the credential is as read (a
   * precondition on its update time). A commit that fails it - another login's session count
   * moved the credential, say - reads again and retries, so a write never rests on a stale read.
   * `change` gets the current account and returns the new one (or throws `StaleAccountError`).
   */
  private async rewrite(emailKey: string, change: (current: Account) => Account): Promise<Account> {
    for (let round = 1; ; round++) {
      const doc = await withDeadline(() => this.credential(emailKey).get());
      const current = accountFromDoc(emailKey, doc);
      if (current === null || doc.updateTime === undefined) throw new StaleAccountError();
      const next = change(current);
      const batch = this.db.batch();
      batch.update(
        doc.ref,
        {
          password_hash: next.passwordHash,
          session_epoch: next.sessionEpoch,
          role_id: next.roleId,
          disabled: next.disabled,
          deleting: next.deleting,
          session_mirror: sessionMirror(next),
          updated_at: FieldValue.serverTimestamp(),
        },
        { lastUpdateTime: doc.updateTime },
      );
      batch.set(this.db.collection(COLLECTIONS.uidIndex).doc(current.uid), sessionMirror(next), { merge: true });
      try {
        await withDeadline(() => batch.commit());
        return next;
      } catch (error) {
        const code = grpcCode(error);
        if (code === NOT_FOUND) throw new StaleAccountError();
        if (code !== FAILED_PRECONDITION || round >= MAX_REWRITE_ROUNDS) throw error;
      }
    }
  }

  async list(page: {
    readonly limit: number;
    readonly after?: UserListPosition;
    readonly emailPrefix?: string;
  }): Promise<readonly Account[]> {
    const credentials = this.db.collection(COLLECTIONS.credentials);
    let query: Query;
    if (page.emailPrefix !== undefined) {
      // Emails are ASCII (email.ts): U+F8FF sorts after every one that starts with the prefix.
      query = credentials.where("email", ">=", page.emailPrefix).where("email", "<", `${page.emailPrefix}\uf8ff`).orderBy("email");
      if (page.after?.by === "email") query = query.startAfter(page.after.email);
    } else {
      // created_at's single-field index, with the document id as the tie-break (no composite index).
      query = credentials.orderBy("created_at").orderBy(FieldPath.documentId());
      if (page.after?.by === "created") query = query.startAfter(Timestamp.fromDate(page.after.createdAt), page.after.emailKey);
    }
    const found = await withDeadline(() => query.limit(page.limit).get());
    return found.docs.flatMap((doc) => accountFromDoc(doc.id, doc) ?? []);
  }

  async findByUid(uid: string): Promise<Account | null> {
    const index = await withDeadline(() => this.db.collection(COLLECTIONS.uidIndex).doc(uid).get());
    const emailKey: unknown = index.get("email_key");
    if (typeof emailKey !== "string") return null;
    const account = await this.findByEmailKey(emailKey);
    return account !== null && account.uid === uid ? account : null;
  }

  async updateProfile(account: Account, profile: { readonly displayName: string; readonly photoUrl?: string | undefined }): Promise<void> {
    const batch = this.db.batch();
    batch.update(this.credential(account.emailKey), {
      display_name: profile.displayName,
      updated_at: FieldValue.serverTimestamp(),
    });
    // merge: the app may have deleted or never had the document; FlutterFlow's field names.
    batch.set(
      this.db.collection(COLLECTIONS.users).doc(account.uid),
      { uid: account.uid, display_name: profile.displayName, photo_url: profile.photoUrl },
      { merge: true },
    );
    await withDeadline(() => batch.commit());
  }

  async setRole(account: Account, roleId: number): Promise<void> {
    await this.rewrite(account.emailKey, (current) => {
      if (current.uid !== account.uid) throw new StaleAccountError(); // moved meanwhile
      return { ...current, roleId };
    });
    await withDeadline(() => this.db.collection(COLLECTIONS.users).doc(account.uid).set({ role_id: roleId }, { merge: true }));
  }

  async setDisabled(emailKey: string, disabled: boolean): Promise<void> {
    // Disabling raises the epoch: every session ends, a login racing it included (its session
    // record carries the epoch it read).
    await this.rewrite(emailKey, (current) => ({ ...current, disabled, sessionEpoch: current.sessionEpoch + (disabled ? 1 : 0) }));
  }

  async startDeletion(emailKey: string): Promise<void> {
    await this.rewrite(emailKey, (current) => ({
      ...current,
      disabled: true,
      deleting: true,
      sessionEpoch: current.sessionEpoch + (current.deleting ? 0 : 1),
    }));
  }

  async resetProfile(account: Account): Promise<void> {
    const db = this.db;
    const userRef = db.collection(COLLECTIONS.users).doc(account.uid);
    // Every sub-collection (push tokens and the app's own data); the offline stand-in cannot list
    // them (no ListCollectionIds): there the push tokens at least.
    const subcollections = await withDeadline(() => userRef.listCollections()).catch(() => null);
    if (subcollections === null) await this.deletePushTokens(userRef);
    for (const collection of subcollections ?? []) await withDeadline(() => db.recursiveDelete(collection));
    const batch = db.batch();
    batch.update(this.credential(account.emailKey), { display_name: "", updated_at: FieldValue.serverTimestamp() });
    // set() without merge: every field the previous holder wrote is gone.
    batch.set(
      userRef,
      profileFields({ uid: account.uid, email: account.email, displayName: "", roleId: account.roleId, createdAt: account.createdAt }),
    );
    await withDeadline(() => batch.commit());
  }

  /** FlutterFlow's push tokens: users/{uid}/fcm_tokens/{autoId}. */
  private async deletePushTokens(userRef: DocumentReference): Promise<void> {
    const tokens = await withDeadline(() => userRef.collection("fcm_tokens").select().get());
    for (let i = 0; i < tokens.docs.length; i += 400) {
      const batch = this.db.batch();
      for (const doc of tokens.docs.slice(i, i + 400)) batch.delete(doc.ref);
      await withDeadline(() => batch.commit());
    }
  }

  async deleteServerRecords(uid: string): Promise<void> {
    const index = this.db.collection(COLLECTIONS.uidIndex).doc(uid);
    const emailKey: unknown = (await withDeadline(() => index.get())).get("email_key");
    const batch = this.db.batch();
    if (typeof emailKey === "string") {
      // Only if the credential is this uid's (the email may have been signed up again).
      const credential = await withDeadline(() => this.credential(emailKey).get());
      if (credential.get("uid") === uid) batch.delete(credential.ref);
    }
    batch.delete(index);
    await withDeadline(() => batch.commit());
  }

  async deleteAccountRecords(account: Pick<Account, "uid" | "emailKey">): Promise<void> {
    const db = this.db;
    const userRef = db.collection(COLLECTIONS.users).doc(account.uid);
    await this.deletePushTokens(userRef);
    const batch = db.batch();
    batch.delete(userRef);
    batch.delete(db.collection(COLLECTIONS.uidIndex).doc(account.uid));
    batch.delete(this.credential(account.emailKey)); // last: frees the email for a new signup
    await withDeadline(() => batch.commit());
  }

  async changeEmail(
    account: Account,
    email: { readonly display: string; readonly key: string; readonly legacyKey: string },
    emailVerified: boolean,
  ): Promise<Account | null> {
    const db = this.db;
    const from = this.credential(account.emailKey);
    const to = this.credential(email.key);
    const moved = await withDeadline(() =>
      db.runTransaction(async (tx) => {
        const [current, taken, legacy] = await tx.getAll(from, to, this.credential(email.legacyKey));
        const data = current?.data();
        // Gone, moved meanwhile, disabled or being deleted: nothing moves (a deletion racing the
        // move would otherwise leave a credential at the new id that nothing deletes).
        if (data === undefined || data.uid !== account.uid || data.disabled === true || data.deleting === true) return null;
        if (taken?.exists === true || legacy?.exists === true) throw new EmailTakenError();
        const sessionEpoch = (typeof data.session_epoch === "number" ? data.session_epoch : 0) + 1;
        const roleId = typeof data.role_id === "number" ? data.role_id : account.roleId;
        const now = FieldValue.serverTimestamp();
        // The same credential under the new id: hash, role, status and counters travel with it.
        tx.create(to, {
          ...data,
          email: email.display,
          email_verified: emailVerified,
          auth_user_synced: false,
          session_epoch: sessionEpoch,
          session_mirror: sessionMirror({ sessionEpoch, roleId }),
          updated_at: now,
        });
        tx.delete(from);
        tx.set(
          db.collection(COLLECTIONS.uidIndex).doc(account.uid),
          { email_key: email.key, ...sessionMirror({ sessionEpoch, roleId }) },
          { merge: true },
        );
        tx.set(db.collection(COLLECTIONS.users).doc(account.uid), { uid: account.uid, email: email.display }, { merge: true });
        return sessionEpoch;
      }),
    );
    if (moved === null) return null;
    return { ...account, email: email.display, emailKey: email.key, emailVerified, authUserSynced: false, sessionEpoch: moved };
  }

  async updateSecondFactor<T>(
    emailKey: string,
    change: (account: Account | null, challenge: MfaChallenge | null) => FactorUpdate<T>,
    challengeId?: string,
  ): Promise<T> {
    const challengeRef = challengeId === undefined ? undefined : this.db.collection(COLLECTIONS.mfaChallenges).doc(challengeId);
    return withDeadline(() =>
      this.db.runTransaction(async (tx) => {
        const credential = this.credential(emailKey);
        const [doc, challengeDoc] = await tx.getAll(credential, ...(challengeRef === undefined ? [] : [challengeRef]));
        const account = doc === undefined ? null : accountFromDoc(emailKey, doc);
        const challenge = challengeDoc === undefined ? null : challengeFromDoc(challengeDoc);
        const update = change(account, challenge);
        const fields: Record<string, unknown> = {};
        if (update.factor !== undefined) fields.mfa = factorFields(update.factor);
        if (update.pending !== undefined) fields.mfa_pending = pendingFields(update.pending);
        if (account !== null && Object.keys(fields).length > 0)
          tx.update(credential, { ...fields, updated_at: FieldValue.serverTimestamp() });
        if (update.consumeChallenge === true && challengeRef !== undefined && challenge !== null) tx.delete(challengeRef);
        return update.result;
      }),
    );
  }

  async replaceHash(emailKey: string, hashes: { readonly from: string; readonly to: string }): Promise<boolean> {
    const credential = this.credential(emailKey);
    return withDeadline(() =>
      this.db.runTransaction(async (tx) => {
        const current = await tx.get(credential);
        if (current.get("password_hash") !== hashes.from) return false;
        tx.update(credential, { password_hash: hashes.to, updated_at: FieldValue.serverTimestamp() });
        return true;
      }),
    );
  }

  async setAuthUserSynced(emailKey: string): Promise<void> {
    await this.updateCredential(emailKey, { auth_user_synced: true });
  }

  async setSessionCount(emailKey: string, count: number): Promise<void> {
    await this.updateCredential(emailKey, { session_count: count });
  }

  async setEmailVerified(emailKey: string): Promise<void> {
    await this.updateCredential(emailKey, { email_verified: true });
  }

  async setNewPassword(account: Pick<Account, "uid" | "emailKey">, passwordHash: string, expectHash?: string): Promise<Account> {
    return this.rewrite(account.emailKey, (current) => {
      // Compare-and-set: a change checked against a hash that is no longer the account's (a reset
      // or another change got there first) writes nothing.
      if (current.uid !== account.uid || (expectHash !== undefined && current.passwordHash !== expectHash)) throw new StaleAccountError();
      return { ...current, passwordHash, sessionEpoch: current.sessionEpoch + 1 };
    });
  }

  private async updateCredential(emailKey: string, fields: Record<string, unknown>): Promise<void> {
    // update() requires the document to exist: it never resurrects a deleted account.
    await withDeadline(() => this.credential(emailKey).update({ ...fields, updated_at: FieldValue.serverTimestamp() }));
  }
}
