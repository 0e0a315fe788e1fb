import { expect } from "chai";
import { FirestoreMailQueue } from "../../src/adapters/firestore-mail-queue.js";
import { renderMail } from "../../src/domain/mail.js";
import { db, FIRESTORE_MODE } from "./helpers.js";

// The default mail transport writes what Firebase's "Trigger Email from Firestore" extension
// reads: one document per mail, `{to, message: {subject, text, html}}`.
describe(`mail queue on Firestore (${FIRESTORE_MODE} Firestore)`, () => {
  it("one send, one document in the extension's format", async () => {
    const collection = `mail_test_${Date.now()}`;
    const mail = renderMail("email_verification_code", "fr", "ada@example.com", { app: "Acme", code: "730114", minutes: 15 });
    await new FirestoreMailQueue(db(), collection).send(mail);
    const docs = (await db().collection(collection).get()).docs;
    expect(docs).to.have.length(1);
    const data = docs[0]?.data() ?? {};
    expect(data.to).to.equal("ada@example.com");
    expect(data.message).to.deep.equal({ subject: mail.subject, text: mail.text, html: mail.html });
    expect(data.message.text).to.include("730114");
    expect(data.created_at).to.not.equal(undefined);
  });
});
