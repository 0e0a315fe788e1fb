// Passkeys: `auth_passkeys/{sha256(credential id)}` = `{uid, credential_id, public_key, counter,
// transports, user_verified, backed_up, name, created_at, last_used_at, session_epoch}` - the id makes a
// credential registrable once, whatever the account; the account's list is a query on `uid`.
// Used WebAuthn challenges: `auth_passkey_challenges/{sha256(challenge)}` = `{expires_at}`, made
// by create() (a second use of a challenge finds it: a replay), gone with the challenge's expiry
// (TTL policy, and the daily sweep).
import { createHash } from "node:crypto";
import { type DocumentSnapshot, type Firestore, Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { withDeadline } from "../deadlines.js";
import type { Passkey } from "../domain/model.js";
import type { PasskeyStore } from "../domain/ports.js";
import { COLLECTIONS } from "./collections.js";
import { deleteExpired } from "./expired.js";
import { ALREADY_EXISTS, FAILED_PRECONDITION, grpcCode } from "./store-errors.js";

const date = z.instanceof(Timestamp).transform((t) => t.toDate());
const PasskeyDoc = z.object({
  uid: z.string(),
  credential_id: z.string(),
  public_key: z.string(),
  counter: z.number().int().nonnegative(),
  transports: z.array(z.string()),
  user_verified: z.boolean(),
  backed_up: z.boolean(),
  name: z.string(),
  created_at: date,
  last_used_at: date.nullable(),
  session_epoch: z.number().int(),
});

function passkeyFromDoc(doc: DocumentSnapshot): Passkey | null {
  if (!doc.exists) return null;
  const data = PasskeyDoc.parse(doc.data());
  return {
    id: doc.id,
    uid: data.uid,
    credentialId: data.credential_id,
    publicKey: data.public_key,
    counter: data.counter,
    transports: data.transports,
    userVerified: data.user_verified,
    backedUp: data.backed_up,
    name: data.name,
    createdAt: data.created_at,
    lastUsedAt: data.last_used_at,
    sessionEpoch: data.session_epoch,
  };
}

export class FirestorePasskeyStore implements PasskeyStore {
  constructor(private readonly db: Firestore) {}

  private ref(id: string) {
    return this.db.collection(COLLECTIONS.passkeys).doc(id);
  }

  async add(passkey: Passkey, max: number): Promise<"added" | "exists" | "full"> {
    const ref = this.ref(passkey.id);
    const mine = this.db.collection(COLLECTIONS.passkeys).where("uid", "==", passkey.uid);
    return withDeadline(() =>
      this.db.runTransaction(async (tx) => {
        // Both reads in the transaction: two registrations at once cannot both pass the count.
        const [existing, page] = await Promise.all([tx.get(ref), tx.get(mine)]);
        if (existing.exists) return "exists" as const;
        const live = page.docs.filter((doc) => doc.get("session_epoch") === passkey.sessionEpoch).length;
        if (live >= max) return "full" as const;
        tx.create(ref, {
          uid: passkey.uid,
          credential_id: passkey.credentialId,
          public_key: passkey.publicKey,
          counter: passkey.counter,
          transports: passkey.transports,
          user_verified: passkey.userVerified,
          backed_up: passkey.backedUp,
          name: passkey.name,
          created_at: passkey.createdAt,
          last_used_at: passkey.lastUsedAt,
          session_epoch: passkey.sessionEpoch,
        });
        return "added" as const;
      }),
    );
  }

  async find(id: string): Promise<Passkey | null> {
    return passkeyFromDoc(await withDeadline(() => this.ref(id).get()));
  }

  async listOf(uid: string): Promise<Passkey[]> {
    // Every one of the account's (those of past epochs too, until its deletion clears them).
    const page = await withDeadline(() => this.db.collection(COLLECTIONS.passkeys).where("uid", "==", uid).get());
    return page.docs
      .map((doc) => passkeyFromDoc(doc))
      .filter((passkey): passkey is Passkey => passkey !== null)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async recordUse(id: string, change: { readonly from: number; readonly to: number; readonly at: Date }): Promise<boolean> {
    return withDeadline(() =>
      this.db.runTransaction(async (tx) => {
        const passkey = passkeyFromDoc(await tx.get(this.ref(id)));
        if (passkey === null || passkey.counter !== change.from) return false;
        tx.update(this.ref(id), { counter: change.to, last_used_at: change.at });
        return true;
      }),
    );
  }

  async remove(uid: string, id: string): Promise<boolean> {
    return withDeadline(() =>
      this.db.runTransaction(async (tx) => {
        const passkey = passkeyFromDoc(await tx.get(this.ref(id)));
        if (passkey === null || passkey.uid !== uid) return false;
        tx.delete(this.ref(id));
        return true;
      }),
    );
  }

  async removeAllOf(uid: string): Promise<void> {
    // In pages: an account that changed its password often holds passkeys of many epochs.
    for (;;) {
      const page = await withDeadline(() => this.db.collection(COLLECTIONS.passkeys).where("uid", "==", uid).select().limit(400).get());
      if (page.empty) return;
      const batch = this.db.batch();
      for (const doc of page.docs) batch.delete(doc.ref);
      await withDeadline(() => batch.commit());
    }
  }

  async useChallenge(challenge: string, expiresAt: Date): Promise<boolean> {
    const id = createHash("sha256").update(challenge, "utf8").digest("hex");
    try {
      await withDeadline(() => this.db.collection(COLLECTIONS.passkeyChallenges).doc(id).create({ expires_at: expiresAt }));
      return true;
    } catch (error) {
      if (grpcCode(error) === ALREADY_EXISTS || grpcCode(error) === FAILED_PRECONDITION) return false;
      throw error;
    }
  }

  async deleteExpired(now: Date, limit: number): Promise<number> {
    return deleteExpired(this.db, [COLLECTIONS.passkeyChallenges], now, limit);
  }
}
