import { createHash, randomBytes } from "node:crypto";
import { expect } from "chai";
import { Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "../../src/adapters/collections.js";
import { FirestorePasskeyStore } from "../../src/adapters/firestore-passkey-store.js";
import type { Passkey } from "../../src/domain/model.js";
import { db, FIRESTORE_MODE } from "./helpers.js";

// The passkey store against the stack's Firestore emulator, through the firebase-admin client
// of this process: the transactions (the per-epoch count, the counter's compare-and-set), the
// create() that makes a challenge single-use, the paged deletions. Every test has its own uids,
// credential ids and challenges, so the file can run beside the others.

const PASSKEYS = "auth_passkeys";
const CHALLENGES = "auth_passkey_challenges";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const newUid = (tag: string) => `${tag}-${randomBytes(8).toString("hex")}`;

/** A passkey of `uid`; its id is the SHA-256 of its (random) credential id, as the domain makes it. */
function passkey(uid: string, overrides: Partial<Passkey> = {}): Passkey {
  const credentialId = randomBytes(24).toString("base64url");
  return {
    id: sha256(credentialId),
    credentialId,
    uid,
    publicKey: randomBytes(40).toString("base64url"),
    counter: 0,
    transports: ["internal", "hybrid"],
    userVerified: true,
    backedUp: false,
    name: "Phone",
    createdAt: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
    lastUsedAt: null,
    sessionEpoch: 0,
    ...overrides,
  };
}

/** The stored shape of a passkey (what add() writes), for direct writes. */
function storedDoc(p: Passkey) {
  return {
    uid: p.uid,
    credential_id: p.credentialId,
    public_key: p.publicKey,
    counter: p.counter,
    transports: [...p.transports],
    user_verified: p.userVerified,
    backed_up: p.backedUp,
    name: p.name,
    created_at: Timestamp.fromDate(p.createdAt),
    last_used_at: p.lastUsedAt === null ? null : Timestamp.fromDate(p.lastUsedAt),
    session_epoch: p.sessionEpoch,
  };
}

/** Writes passkeys straight to the collection, in batches (faster than add()'s transactions). */
async function writeDirectly(passkeys: readonly Passkey[]): Promise<void> {
  for (let start = 0; start < passkeys.length; start += 400) {
    const batch = db().batch();
    for (const p of passkeys.slice(start, start + 400)) batch.set(db().collection(PASSKEYS).doc(p.id), storedDoc(p));
    await batch.commit();
  }
}

const countOf = async (uid: string) => (await db().collection(PASSKEYS).where("uid", "==", uid).count().get()).data().count;
const count = <T>(values: readonly T[], value: T) => values.filter((v) => v === value).length;

describe(`passkey store on Firestore (${FIRESTORE_MODE} Firestore)`, () => {
  const store = () => new FirestorePasskeyStore(db());

  it("uses the collections this test writes to directly", () => {
    expect(COLLECTIONS.passkeys).to.equal(PASSKEYS);
    expect(COLLECTIONS.passkeyChallenges).to.equal(CHALLENGES);
  });

  describe("add", () => {
    it("a new passkey is added; its id again is 'exists', for its account and for another alike", async () => {
      const uid = newUid("add");
      const other = newUid("add-other");
      const first = passkey(uid);
      expect(await store().add(first, 20)).to.equal("added");
      expect(await store().add(first, 20)).to.equal("exists");
      expect(await store().add({ ...first, uid: other, name: "Squatter" }, 20)).to.equal("exists");
      // The stored one is still the first account's, unchanged.
      expect(await store().find(first.id)).to.deep.equal(first);
      expect(await countOf(uid)).to.equal(1);
      expect(await countOf(other)).to.equal(0);
    });

    it("3 concurrent add() of one account with max 2 (a user on two devices at once): exactly 2 'added', 1 'full', 2 documents", async () => {
      const uid = newUid("pair");
      const passkeys = Array.from({ length: 3 }, (_, i) => passkey(uid, { sessionEpoch: 4, name: `key ${i}` }));
      const results = await Promise.all(passkeys.map((p) => store().add(p, 2)));
      expect([count(results, "added"), count(results, "full"), await countOf(uid)]).to.deep.equal([2, 1, 2]);
    });

    it("30 concurrent add() with max 20: however many answer in time, the account never holds more than 20, and every 'added' is stored", async () => {
      // No app makes 30 registrations of one account at once (each is a user's ceremony); this is
      // the cap's proof under contention. The emulator serializes these transactions with locks
      // (seconds each at this depth), so some calls pass their deadline (deadlines.ts) and answer
      // an outage, a 503 the app retries; their transactions may still land, within the cap.
      const uid = newUid("race");
      const passkeys = Array.from({ length: 30 }, (_, i) => passkey(uid, { sessionEpoch: 4, name: `key ${i}` }));
      const settled = await Promise.allSettled(passkeys.map((p) => store().add(p, 20)));
      const failures = settled.flatMap((s) => (s.status === "rejected" ? [String(s.reason)] : []));
      for (const failure of failures) expect(failure).to.match(/DeadlineExceeded|ABORTED|Transaction lock timeout/);
      // Let abandoned transactions end (their locks too) before counting, and before the next tests.
      if (failures.length > 0) await new Promise((r) => setTimeout(r, 20_000));
      const results = settled.map((s) => (s.status === "fulfilled" ? s.value : "failed"));
      expect(count(results, "exists")).to.equal(0);
      expect(await countOf(uid), "documents of the account").to.be.at.most(20);
      const stored = new Set((await store().listOf(uid)).map((p) => p.id));
      for (const [i, p] of passkeys.entries()) if (results[i] === "added") expect(stored.has(p.id), `key ${i}`).to.equal(true);
      if (failures.length === 0) expect([count(results, "added"), count(results, "full")]).to.deep.equal([20, 10]);
    });

    it("passkeys of another epoch do not count toward the max", async () => {
      const uid = newUid("epoch");
      for (let i = 0; i < 3; i++) expect(await store().add(passkey(uid, { sessionEpoch: 0 }), 20)).to.equal("added");
      const results: string[] = [];
      for (let i = 0; i < 20; i++) results.push(await store().add(passkey(uid, { sessionEpoch: 1 }), 20));
      expect(results).to.deep.equal(Array.from({ length: 20 }, () => "added"));
      // The max still holds within epoch 1.
      expect(await store().add(passkey(uid, { sessionEpoch: 1 }), 20)).to.equal("full");
      expect(await countOf(uid)).to.equal(23);
    });
  });

  describe("find and listOf", () => {
    it("every field round-trips exactly: dates, transports, the session epoch, a null last use", async () => {
      const uid = newUid("fields");
      const fresh = passkey(uid, {
        counter: 0,
        transports: ["usb", "nfc", "ble"],
        userVerified: false,
        backedUp: true,
        name: "YubiKey 5 – bureau",
        createdAt: new Date(Date.UTC(2024, 11, 31, 23, 59, 59, 999)),
        lastUsedAt: null,
        sessionEpoch: 7,
      });
      const used = passkey(uid, {
        counter: 4_294_967_295,
        transports: [],
        createdAt: new Date(Date.UTC(2025, 5, 1, 0, 0, 0, 1)),
        lastUsedAt: new Date(Date.UTC(2025, 5, 2, 12, 30, 15, 250)),
        sessionEpoch: 7,
      });
      expect(await store().add(fresh, 20)).to.equal("added");
      // A last use is never given to add() by the domain, but it is stored as given.
      expect(await store().add(used, 20)).to.equal("added");
      const found = await store().find(fresh.id);
      expect(found).to.deep.equal(fresh);
      expect(found?.lastUsedAt).to.equal(null);
      expect(found?.createdAt).to.be.instanceOf(Date);
      expect(found?.createdAt.getTime()).to.equal(fresh.createdAt.getTime());
      expect(await store().find(used.id)).to.deep.equal(used);
      const raw = (await db().collection(PASSKEYS).doc(fresh.id).get()).data() ?? {};
      expect(Object.keys(raw).sort()).to.deep.equal(Object.keys(storedDoc(fresh)).sort());
      expect(raw.created_at).to.be.instanceOf(Timestamp);
      expect(raw.last_used_at).to.equal(null);
      expect(await store().find(sha256(`missing-${randomBytes(8).toString("hex")}`))).to.equal(null);
    });

    it("listOf: the account's passkeys of every epoch, oldest first, and no one else's", async () => {
      const uid = newUid("list");
      const at = (day: number) => new Date(Date.UTC(2025, 2, day, 10));
      const second = passkey(uid, { createdAt: at(2), sessionEpoch: 1, name: "second" });
      const fourth = passkey(uid, { createdAt: at(4), sessionEpoch: 2, name: "fourth" });
      const first = passkey(uid, { createdAt: at(1), sessionEpoch: 0, name: "first" });
      const third = passkey(uid, { createdAt: at(3), sessionEpoch: 2, name: "third" });
      for (const p of [second, fourth, first, third]) expect(await store().add(p, 20)).to.equal("added");
      expect(await store().add(passkey(newUid("list-other"), { createdAt: at(0) }), 20)).to.equal("added");
      expect(await store().listOf(uid)).to.deep.equal([first, second, third, fourth]);
      expect(await store().listOf(newUid("nobody"))).to.deep.equal([]);
    });
  });

  describe("recordUse", () => {
    it("compare-and-set: from the stored counter it moves; from a stale one it does not", async () => {
      const uid = newUid("use");
      const p = passkey(uid, { counter: 5 });
      expect(await store().add(p, 20)).to.equal("added");
      const at = new Date(Date.UTC(2025, 6, 7, 8, 9, 10, 11));
      expect(await store().recordUse(p.id, { from: 5, to: 9, at })).to.equal(true);
      expect(await store().find(p.id)).to.deep.equal({ ...p, counter: 9, lastUsedAt: at });
      const raw = (await db().collection(PASSKEYS).doc(p.id).get()).data() ?? {};
      expect(raw.counter).to.equal(9);
      expect((raw.last_used_at as Timestamp).toDate().getTime()).to.equal(at.getTime());
      // Stale: 5 is no longer the counter. Nothing moves.
      const later = new Date(at.getTime() + 60_000);
      expect(await store().recordUse(p.id, { from: 5, to: 12, at: later })).to.equal(false);
      expect(await store().find(p.id)).to.deep.equal({ ...p, counter: 9, lastUsedAt: at });
    });

    it("10 concurrent recordUse from the same counter: exactly one wins", async () => {
      const uid = newUid("use-race");
      const p = passkey(uid, { counter: 100 });
      expect(await store().add(p, 20)).to.equal("added");
      const base = Date.UTC(2025, 7, 1);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store().recordUse(p.id, { from: 100, to: 101 + i, at: new Date(base + i * 1000) })),
      );
      expect(count(results, true)).to.equal(1);
      expect(count(results, false)).to.equal(9);
      const winner = results.indexOf(true);
      const stored = await store().find(p.id);
      expect(stored?.counter).to.equal(101 + winner);
      expect(stored?.lastUsedAt?.getTime()).to.equal(base + winner * 1000);
    });

    it("a missing id: false, and nothing is created", async () => {
      const id = sha256(`missing-${randomBytes(8).toString("hex")}`);
      expect(await store().recordUse(id, { from: 0, to: 1, at: new Date() })).to.equal(false);
      expect((await db().collection(PASSKEYS).doc(id).get()).exists).to.equal(false);
    });
  });

  describe("remove", () => {
    it("the owner's passkey: true and gone; another account's: false and still there", async () => {
      const owner = newUid("owner");
      const stranger = newUid("stranger");
      const mine = passkey(owner);
      const theirs = passkey(stranger);
      expect(await store().add(mine, 20)).to.equal("added");
      expect(await store().add(theirs, 20)).to.equal("added");
      expect(await store().remove(owner, theirs.id)).to.equal(false);
      expect(await store().find(theirs.id)).to.deep.equal(theirs);
      expect(await store().remove(owner, mine.id)).to.equal(true);
      expect(await store().find(mine.id)).to.equal(null);
      expect((await db().collection(PASSKEYS).doc(mine.id).get()).exists).to.equal(false);
      // Once gone, a second removal finds nothing.
      expect(await store().remove(owner, mine.id)).to.equal(false);
      expect(await store().listOf(stranger)).to.deep.equal([theirs]);
    });
  });

  describe("removeAllOf", () => {
    it("450 passkeys of one account (more than one page of 400): all gone, other accounts untouched", async () => {
      const uid = newUid("bulk");
      const others = [newUid("bulk-other"), newUid("bulk-other")];
      const many = Array.from({ length: 450 }, (_, i) =>
        passkey(uid, { sessionEpoch: i % 5, createdAt: new Date(Date.UTC(2025, 0, 1) + i * 1000), name: `key ${i}` }),
      );
      const kept = others.flatMap((other) => [passkey(other), passkey(other, { sessionEpoch: 3 })]);
      await writeDirectly([...many, ...kept]);
      expect(await countOf(uid)).to.equal(450);
      await store().removeAllOf(uid);
      expect(await countOf(uid)).to.equal(0);
      expect(await store().listOf(uid)).to.deep.equal([]);
      for (const other of others) expect(await countOf(other)).to.equal(2);
      for (const p of kept) expect(await store().find(p.id)).to.deep.equal(p);
      // An account with none: nothing to do.
      await store().removeAllOf(newUid("empty"));
    });
  });

  describe("useChallenge", () => {
    it("the first use is true, a replay false; the mark carries the given expires_at", async () => {
      const challenge = randomBytes(32).toString("base64url");
      const expiresAt = new Date(Date.UTC(2031, 3, 5, 6, 7, 8, 901));
      expect(await store().useChallenge(challenge, expiresAt)).to.equal(true);
      expect(await store().useChallenge(challenge, new Date(expiresAt.getTime() + 3_600_000))).to.equal(false);
      const mark = await db().collection(CHALLENGES).doc(sha256(challenge)).get();
      expect(mark.exists).to.equal(true);
      expect(Object.keys(mark.data() ?? {})).to.deep.equal(["expires_at"]);
      const stored = mark.get("expires_at") as Timestamp;
      expect(stored).to.be.instanceOf(Timestamp);
      // The replay did not move it.
      expect(stored.toDate().getTime()).to.equal(expiresAt.getTime());
    });

    it("10 concurrent uses of one new challenge: exactly one true", async () => {
      const challenge = randomBytes(32).toString("base64url");
      const expiresAt = new Date(Date.now() + 5 * 60_000);
      const results = await Promise.all(Array.from({ length: 10 }, () => store().useChallenge(challenge, expiresAt)));
      expect(count(results, true)).to.equal(1);
      expect(count(results, false)).to.equal(9);
      const mark = await db().collection(CHALLENGES).doc(sha256(challenge)).get();
      expect((mark.get("expires_at") as Timestamp).toDate().getTime()).to.equal(expiresAt.getTime());
    });
  });

  describe("deleteExpired", () => {
    it("removes only the challenge marks past their expiry", async () => {
      // Dates far in the past, so that the marks of other tests (which expire after now) are
      // never expired as of this `now`, and this test deletes only its own.
      const now = new Date(Date.UTC(2001, 0, 1));
      const expired = Array.from({ length: 5 }, (_, i) => ({
        challenge: randomBytes(32).toString("base64url"),
        expiresAt: new Date(now.getTime() - (i + 1) * 60_000),
      }));
      const atNow = { challenge: randomBytes(32).toString("base64url"), expiresAt: now };
      const live = [
        { challenge: randomBytes(32).toString("base64url"), expiresAt: new Date(now.getTime() + 1) },
        { challenge: randomBytes(32).toString("base64url"), expiresAt: new Date(Date.UTC(2002, 0, 1)) },
      ];
      for (const c of [...expired, atNow, ...live]) expect(await store().useChallenge(c.challenge, c.expiresAt)).to.equal(true);
      // A passkey is not a challenge mark: it is never swept.
      const uid = newUid("sweep");
      const p = passkey(uid, { createdAt: new Date(Date.UTC(2000, 0, 1)) });
      expect(await store().add(p, 20)).to.equal("added");

      const exists = async (challenge: string) => (await db().collection(CHALLENGES).doc(sha256(challenge)).get()).exists;
      // With a limit: at most that many, and again for the rest.
      expect(await store().deleteExpired(now, 4)).to.equal(4);
      expect(await store().deleteExpired(now, 100)).to.equal(2); // the last expired one and the one expiring at `now`
      expect(await store().deleteExpired(now, 100)).to.equal(0);
      for (const c of [...expired, atNow]) expect(await exists(c.challenge)).to.equal(false);
      for (const c of live) expect(await exists(c.challenge)).to.equal(true);
      // Once its mark is swept, a challenge can be marked again (its own expiry has passed by then).
      const [oldest] = expired;
      if (oldest === undefined) throw new Error("no expired challenge");
      expect(await store().useChallenge(oldest.challenge, now)).to.equal(true);
      expect(await store().deleteExpired(now, 100)).to.equal(1);
      expect(await store().find(p.id)).to.deep.equal(p);
      // Tidy: the live marks' dates are past in real time; the suite's own sweeps need not meet them.
      for (const c of live) await db().collection(CHALLENGES).doc(sha256(c.challenge)).delete();
    });
  });
});
