import { expect } from "chai";
import { Argon2Hasher, OWASP_ARGON2ID } from "../../src/adapters/argon2-hasher.js";
import { newId } from "../../src/domain/ids.js";
import { accountFootprint, auth, authBody, credentialOf, db, FIRESTORE_MODE, post, snapshot, uniqueEmail } from "./helpers.js";

const password = "correct horse battery staple";

describe("all or nothing (emulators)", () => {
  it(`Firestore batches are atomic on this stack (${FIRESTORE_MODE} Firestore): a failing 2nd write keeps the 1st out`, async () => {
    const taken = db().collection("test_atomic").doc(`taken-${Date.now()}`);
    const first = db().collection("test_atomic").doc(`first-${Date.now()}`);
    await taken.create({ n: 1 });
    const batch = db().batch();
    batch.create(first, { n: 1 });
    batch.create(taken, { n: 2 });
    const error = await batch.commit().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "the batch should fail").to.have.property("code", 6);
    expect((await first.get()).exists).to.equal(false);
    expect((await taken.get()).get("n")).to.equal(1);
  });

  it(`document lookups on this stack (${FIRESTORE_MODE} Firestore): reads of a missing document create nothing; ids like "constructor" work; 300 siblings are each found`, async () => {
    // Guards the offline Firestore's constant-time lookup patch (scripts/offline-firestore.mjs);
    // holds on real Firestore as well.
    const collection = db().collection(`test_lookup_${Date.now()}`);
    const missing = collection.doc("missing");
    const reads = await db().getAll(missing, missing, collection.doc("constructor"));
    expect(reads.map((s) => s.exists)).to.deep.equal([false, false, false]);
    await collection.doc("constructor").create({ n: 0 });
    expect((await collection.doc("constructor").get()).get("n")).to.equal(0);
    await missing.create({ n: 1 });
    const again = await missing.create({ n: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(again, "a second create must fail").to.have.property("code", 6);
    const batch = db().batch();
    const siblings = Array.from({ length: 300 }, (_, i) => collection.doc(`d${i}`));
    for (const [i, ref] of siblings.entries()) batch.create(ref, { i });
    await batch.commit();
    const found = await db().getAll(...siblings);
    expect(found.map((s) => s.get("i"))).to.deep.equal(siblings.map((_, i) => i));
    expect((await missing.get()).get("n")).to.equal(1);
    const listed = await collection.get();
    expect(listed.size, "only created documents are listed").to.equal(302);
  });

  it("10 concurrent signups of one email with different passwords -> exactly one 201, the rest 409; one credential, uid index, users doc and Auth user", async () => {
    const email = uniqueEmail("race");
    const variants = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? email : email.toUpperCase()));
    const replies = await Promise.all(
      variants.map((e, i) => post("/signup", { email: e, password: `${password} ${i}`, name: `racer ${i}` })),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses, replies.map((r) => r.text).join("\n")).to.deep.equal([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const reply of replies.filter((r) => r.status === 409)) {
      expect(reply.json).to.deep.equal({
        error: { code: "email_exists", message: "An account with this email already exists.", field: "email" },
      });
    }
    expect(await accountFootprint(email)).to.deep.equal({ credentials: 1, uidIndex: 1, users: 1, authUsers: 1 });
  });

  it("10 concurrent signups of one email with the SAME password (a double tap, retries) -> all signed in to one account, nothing doubled or undone", async () => {
    const email = uniqueEmail("race-same");
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post("/signup", { email: i % 2 === 0 ? email : email.toUpperCase(), password })),
    );
    expect(
      replies.map((r) => r.status),
      replies.map((r) => r.text).join("\n"),
    ).to.deep.equal(Array(10).fill(201));
    expect(new Set(replies.map((r) => authBody(r).user.id)).size, "one account").to.equal(1);
    expect(await accountFootprint(email)).to.deep.equal({ credentials: 1, uidIndex: 1, users: 1, authUsers: 1 });
    expect((await credentialOf(email).get()).get("auth_user_synced")).to.equal(true);
    for (const reply of replies) expect((await post("/refresh", { refresh_token: authBody(reply).refresh_token })).status).to.equal(200);
  });

  it("a failure in the middle of signup (Auth refuses the user after the Firestore batch) leaves nothing behind", async () => {
    // The Auth user step is the one that cannot share Firestore's transaction. Make it fail
    // for real: another Auth user (say, from a Firebase email/password sign-in) has the email.
    const email = uniqueEmail("midway");
    const squatter = await auth().createUser({ email });
    const before = await snapshot(["auth_throttle"]); // the attempt counts on the signup counter
    const reply = await post("/signup", { email, password });
    expect(reply.status, reply.text).to.equal(409);
    expect((reply.json as { error: { code: string } }).error.code).to.equal("email_exists");
    expect(await snapshot(["auth_throttle"])).to.deep.equal(before);
    expect((await credentialOf(email).get()).exists).to.equal(false);

    // Once the conflict is gone the email can sign up: nothing half-written blocks it.
    await auth().deleteUser(squatter.uid);
    expect((await post("/signup", { email, password })).status).to.equal(201);
  });

  it("an account left without its Auth user (a failed undo) is repaired by the next login", async () => {
    // The state a failed undo leaves: Firestore records, no Auth user, auth_user_synced false.
    // Written directly (deleting an Auth user would fire authUserDeleted, which purges records).
    const email = uniqueEmail("repair");
    const uid = newId();
    const hash = await new Argon2Hasher(OWASP_ARGON2ID).hash(password);
    const now = new Date();
    const batch = db().batch();
    batch.create(credentialOf(email), {
      uid,
      email,
      display_name: "Repair Me",
      password_hash: hash,
      role_id: 1,
      disabled: false,
      auth_user_synced: false,
      created_at: now,
      updated_at: now,
    });
    batch.create(db().collection("auth_uid_index").doc(uid), { email_key: credentialOf(email).id, created_at: now });
    batch.create(db().collection("users").doc(uid), { uid, email, display_name: "Repair Me", created_time: now, role_id: 1 });
    await batch.commit();

    expect((await post("/login", { email, password })).status).to.equal(200);
    const record = await auth().getUser(uid);
    expect(record.email).to.equal(email);
    expect(record.displayName).to.equal("Repair Me");
    expect((await credentialOf(email).get()).get("auth_user_synced")).to.equal(true);
  });
});
