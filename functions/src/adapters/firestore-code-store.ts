// Mailed codes: `auth_codes/{HMAC("code", purpose, email key)}` = `{purpose, uid, digest, new_email,
// session_epoch?, tries, issued_at, expires_at}` (`new_email`: the address an email change moves
// to; `session_epoch`: the account's at issue, sign-in codes). One document per purpose and email, so a new code replaces the old
// one. For an unknown or disabled account the document has no uid and no digest: it only holds
// the resend interval, so that the answer never tells whether the account exists. Issuing and
// consuming are transactions on that one document: two concurrent requests cannot both mail a
// code inside the interval, and a code cannot be used twice or tried more than `maxTries` times.
import { type DocumentSnapshot, type Firestore, Timestamp } from "firebase-admin/firestore";
import { withDeadline } from "../deadlines.js";
import type { CodeIssue, ConsumedCode } from "../domain/model.js";
import type { CodeStore } from "../domain/ports.js";
import { COLLECTIONS } from "./collections.js";
import { deleteExpired } from "./expired.js";

const date = (doc: DocumentSnapshot, field: string): Date | null => {
  const value: unknown = doc.get(field);
  return value instanceof Timestamp ? value.toDate() : null;
};

export class FirestoreCodeStore implements CodeStore {
  constructor(private readonly db: Firestore) {}

  private ref(id: string) {
    return this.db.collection(COLLECTIONS.codes).doc(id);
  }

  async issue(issue: CodeIssue, now: Date, resendSeconds: number): Promise<{ readonly retryAfterSeconds: number } | null> {
    const ref = this.ref(issue.id);
    return withDeadline(() =>
      this.db.runTransaction(async (tx) => {
        const current = await tx.get(ref);
        const issuedAt = current.exists ? date(current, "issued_at") : null;
        const wait = issuedAt === null ? 0 : Math.ceil((issuedAt.getTime() + resendSeconds * 1000 - now.getTime()) / 1000);
        if (wait > 0) return { retryAfterSeconds: wait };
        tx.set(ref, {
          purpose: issue.purpose,
          uid: issue.uid,
          digest: issue.digest,
          new_email: issue.newEmail,
          ...(issue.sessionEpoch !== undefined && { session_epoch: issue.sessionEpoch }),
          tries: 0,
          issued_at: now,
          expires_at: issue.expiresAt,
        });
        return null;
      }),
    );
  }

  async consume(id: string, matches: (digest: string) => boolean, now: Date, maxTries: number): Promise<ConsumedCode | null> {
    const ref = this.ref(id);
    return withDeadline(() =>
      this.db.runTransaction(async (tx) => {
        const doc = await tx.get(ref);
        const uid: unknown = doc.get("uid");
        const digest: unknown = doc.get("digest");
        const tries: unknown = doc.get("tries");
        const newEmail: unknown = doc.get("new_email");
        const epoch: unknown = doc.get("session_epoch");
        const expiresAt = date(doc, "expires_at");
        if (!doc.exists || typeof uid !== "string" || typeof digest !== "string" || typeof tries !== "number") return null;
        if (expiresAt === null || expiresAt <= now || tries >= maxTries) return null;
        if (matches(digest)) {
          tx.delete(ref); // single use
          return { uid, newEmail: typeof newEmail === "string" ? newEmail : null, sessionEpoch: typeof epoch === "number" ? epoch : null };
        }
        // A wrong try counts; the last one allowed kills the code (the resend interval stays).
        tx.update(ref, tries + 1 >= maxTries ? { tries: tries + 1, digest: null } : { tries: tries + 1 });
        return null;
      }),
    );
  }

  async withdraw(id: string): Promise<void> {
    await withDeadline(() => this.ref(id).delete());
  }

  async deleteExpired(now: Date, limit: number): Promise<number> {
    return deleteExpired(this.db, [COLLECTIONS.codes], now, limit);
  }
}
