import { createHash } from "node:crypto";
import { expect } from "chai";
import { Argon2Hasher, OWASP_ARGON2ID } from "../../src/adapters/argon2-hasher.js";
import { legacyEmailKey, newId } from "../../src/domain/ids.js";
import { ipShardOf } from "../../src/domain/throttle.js";
import { newRefreshToken } from "../../src/domain/tokens.js";
import { auth, authBody, credentialOf, db, errorCode, keys, post, refreshTokenDoc, uniqueEmail } from "./helpers.js";

// Document ids derived from emails and client networks are HMACs under the server's secret
// (AUTH_HMAC_KEY), not plain SHA-256; credentials written by earlier versions (at the SHA-256
// of the email) keep working and move to the keyed id at their next login.
const password = "correct horse battery staple";
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("keyed document ids and the migration of legacy ones (emulators)", () => {
  it("no document id is the plain SHA-256 of an email or an address", async () => {
    const email = uniqueEmail("keyed");
    const network = "203.0.113.201";
    expect((await post("/signup", { email, password }, { "X-Forwarded-For": network })).status).to.equal(201);
    expect((await post("/login", { email, password: "wrong wrong wrong" }, { "X-Forwarded-For": network })).status).to.equal(401);
    const canonical = email.toLowerCase();
    expect((await db().collection("auth_credentials").doc(sha256(canonical)).get()).exists).to.equal(false);
    expect((await credentialOf(email).get()).exists).to.equal(true);
    const throttleIds = (await db().collection("auth_throttle").get()).docs.map((d) => d.id);
    const window = String(Math.floor(Date.now() / 1000 / 3600));
    for (const plain of [
      [`ip`, network, window],
      [`ip`, network, `shard${ipShardOf(credentialOf(email).id)}`, window],
      ["signup_ip", network, window],
      ["trusted", credentialOf(email).id, network],
    ]) {
      expect(throttleIds).to.not.include(sha256(plain.join("\u0000")));
    }
    expect(throttleIds).to.include(keys.throttle(["signup_ip", network, window]));
  });

  it("a credential at its legacy id (an earlier version's): signup still refuses the email, refresh works, login moves it to the keyed id", async () => {
    // What an earlier version wrote: credential at sha256(email), uid index and a session naming that id.
    const email = uniqueEmail("legacy");
    const canonical = email.toLowerCase();
    const legacyKey = legacyEmailKey(canonical);
    const uid = newId();
    const now = new Date(Date.now() - 365 * 86_400_000); // made a year ago, by an earlier version
    const hash = await new Argon2Hasher(OWASP_ARGON2ID).hash(password);
    await auth().createUser({ uid, email: canonical, displayName: "Legacy" });
    const refreshToken = newRefreshToken();
    const batch = db().batch();
    batch.create(db().collection("auth_credentials").doc(legacyKey), {
      uid,
      email,
      display_name: "Legacy",
      password_hash: hash,
      role_id: 1,
      disabled: false,
      auth_user_synced: true,
      created_at: now,
      updated_at: now,
    });
    batch.create(db().collection("auth_uid_index").doc(uid), { email_key: legacyKey, created_at: now });
    batch.create(db().collection("users").doc(uid), { uid, email, display_name: "Legacy", created_time: now, role_id: 1 });
    batch.create(refreshTokenDoc(refreshToken), {
      uid,
      session_id: newId(),
      email_key: legacyKey,
      created_at: now,
      expires_at: new Date(Date.now() + 86_400_000),
      session_expires_at: new Date(Date.now() + 86_400_000),
    });
    await batch.commit();

    const taken = await post("/signup", { email: email.toUpperCase(), password });
    expect([taken.status, errorCode(taken)]).to.deep.equal([409, "email_exists"]);

    const refreshed = authBody(await post("/refresh", { refresh_token: refreshToken }));
    expect(refreshed.user.id).to.equal(uid);

    const login = authBody(await post("/login", { email, password }));
    expect(login.user.id).to.equal(uid);
    expect((await db().collection("auth_credentials").doc(legacyKey).get()).exists).to.equal(false);
    const moved = await credentialOf(email).get();
    expect(moved.get("uid")).to.equal(uid);
    expect(moved.get("password_hash")).to.equal(hash);
    expect((await db().collection("auth_uid_index").doc(uid).get()).get("email_key")).to.equal(moved.id);

    // The session that still names the legacy id refreshes through the uid index; the moved
    // account keeps its email: a new signup is still refused.
    expect((await post("/refresh", { refresh_token: refreshed.refresh_token })).status).to.equal(200);
    expect((await post("/signup", { email, password })).status).to.equal(409);
  });
});
