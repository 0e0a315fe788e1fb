// Two-step sign-ins waiting for their second factor: `auth_mfa_challenges/{sha256(mfa_token)}` =
// `{uid, email_key, session_epoch, methods, tries, expires_at}`. Made by a login (or a password
// reset) of an account with a second factor; used once by POST /mfa/verify, whose transaction
// deletes it with the write of the factor's last step (FirestoreAccountStore.updateSecondFactor):
// two verifies of one token make at most one session. Wrong codes count here, in a transaction;
// the fifth deletes it. `expires_at` has a TTL policy (firestore.indexes.json).
import { type DocumentSnapshot, FieldValue, type Firestore, Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { withDeadline } from "../deadlines.js";
import { AUTH_METHODS, type MfaChallenge } from "../domain/model.js";
import type { MfaChallengeStore } from "../domain/ports.js";
import { COLLECTIONS } from "./collections.js";
import { deleteExpired } from "./expired.js";

const ChallengeDoc = z.object({
  uid: z.string(),
  email_key: z.string(),
  session_epoch: z.number().int(),
  methods: z.array(z.enum(AUTH_METHODS)),
  tries: z.number().int(),
  expires_at: z.instanceof(Timestamp).transform((t) => t.toDate()),
});

/** A challenge document as the domain sees it; null when it does not exist. */
export function challengeFromDoc(doc: DocumentSnapshot): MfaChallenge | null {
  if (!doc.exists) return null;
  const data = ChallengeDoc.parse(doc.data());
  return {
    id: doc.id,
    uid: data.uid,
    emailKey: data.email_key,
    sessionEpoch: data.session_epoch,
    methods: data.methods,
    tries: data.tries,
    expiresAt: data.expires_at,
  };
}

export class FirestoreChallengeStore implements MfaChallengeStore {
  constructor(private readonly db: Firestore) {}

  private ref(id: string) {
    return this.db.collection(COLLECTIONS.mfaChallenges).doc(id);
  }

  async create(challenge: MfaChallenge): Promise<void> {
    await withDeadline(() =>
      this.ref(challenge.id).create({
        uid: challenge.uid,
        email_key: challenge.emailKey,
        session_epoch: challenge.sessionEpoch,
        methods: challenge.methods,
        tries: challenge.tries,
        expires_at: challenge.expiresAt,
        created_at: FieldValue.serverTimestamp(),
      }),
    );
  }

  async find(id: string): Promise<MfaChallenge | null> {
    return challengeFromDoc(await withDeadline(() => this.ref(id).get()));
  }

  async countWrong(id: string, maxTries: number): Promise<void> {
    const ref = this.ref(id);
    await withDeadline(() =>
      this.db.runTransaction(async (tx) => {
        const challenge = challengeFromDoc(await tx.get(ref));
        if (challenge === null) return;
        if (challenge.tries + 1 >= maxTries) tx.delete(ref);
        else tx.update(ref, { tries: challenge.tries + 1 });
      }),
    );
  }

  async deleteExpired(now: Date, limit: number): Promise<number> {
    return deleteExpired(this.db, [COLLECTIONS.mfaChallenges], now, limit);
  }
}
