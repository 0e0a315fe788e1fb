// Mail as Firebase's "Trigger Email from Firestore" extension reads it: one document per mail in
// MAIL_COLLECTION (`mail` by default), `{to, message: {subject, text, html}}`. Installing the
// extension on that collection is all a project needs; the extension sends the mail and writes
// its delivery state into the same document. A mail that cannot be queued is an outage (a 503).
import { FieldValue, type Firestore } from "firebase-admin/firestore";
import { withDeadline } from "../deadlines.js";
import type { MailMessage } from "../domain/model.js";
import type { Mailer } from "../domain/ports.js";

export class FirestoreMailQueue implements Mailer {
  constructor(
    private readonly db: Firestore,
    private readonly collection: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    const doc = {
      to: message.to,
      message: { subject: message.subject, text: message.text, html: message.html },
      created_at: FieldValue.serverTimestamp(),
    };
    await withDeadline(() => this.db.collection(this.collection).add(doc));
  }
}
