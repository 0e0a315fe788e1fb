import { createHash } from "node:crypto";
import { expect } from "chai";
import { Timestamp } from "firebase-admin/firestore";
import { auth, authBody, credentialOf, db, post, signInWithCustomToken, snapshot, uniqueEmail } from "./helpers.js";

const password = "correct horse battery staple";

describe("signup and login through HTTP, as a FlutterFlow app (emulators)", () => {
  it("signup -> 201 with FlutterFlow's body; the token signs in as users/{uid} with role_id in the claims", async () => {
    const email = uniqueEmail("Ada");
    const reply = await post("/signup", { email: ` ${email.toUpperCase()} `, password, name: "Ada Lovelace" });
    expect(reply.status, reply.text).to.equal(201);
    expect(reply.headers.get("cache-control")).to.equal("no-store");
    expect(reply.headers.get("content-type")).to.equal("application/json; charset=utf-8");
    const body = authBody(reply);
    expect(body.user.id).to.match(/^[A-Za-z0-9]{20}$/);
    expect(body.user).to.deep.equal({
      id: body.user.id,
      role_id: 1,
      name: "Ada Lovelace",
      email: email.toUpperCase(),
      email_verified: false,
      mfa_enabled: false,
    });
    expect(body.mfa_required).to.equal(false);
    expect(body.token_type).to.equal("Bearer");
    expect(body.expires_in).to.equal(3600);
    expect(body.refresh_token).to.match(/^[A-Za-z0-9_-]{43}$/);

    // What FlutterFlow's "Log in" action (JWT token) does with $.jwt_token.
    const session = await signInWithCustomToken(body.jwt_token);
    expect(session.localId).to.equal(body.user.id);
    expect(session.claims.role_id).to.equal(1);
    expect(session.claims.sub).to.equal(body.user.id);
    expect(session.claims.email).to.equal(email.toLowerCase());

    // users/{uid}: FlutterFlow's Authenticated User document, with its field types.
    const user = await db().collection("users").doc(body.user.id).get();
    expect(user.exists).to.equal(true);
    const data = user.data() ?? {};
    expect(Object.keys(data).sort()).to.deep.equal(["created_time", "display_name", "email", "role_id", "uid"]);
    expect(data.uid).to.equal(body.user.id);
    expect(data.email).to.equal(email.toUpperCase());
    expect(data.display_name).to.equal("Ada Lovelace");
    expect(data.created_time).to.be.instanceOf(Timestamp);
    expect(data.role_id).to.equal(1);

    // The Firebase Auth user: shown in the console; currentUserEmail falls back to it.
    const record = await auth().getUser(body.user.id);
    expect(record.email).to.equal(email.toLowerCase());
    expect(record.displayName).to.equal("Ada Lovelace");

    // Server-only records: an Argon2id PHC hash, never the password; the refresh token only as SHA-256.
    const credential = (await credentialOf(email).get()).data() ?? {};
    expect(credential.uid).to.equal(body.user.id);
    expect((await db().collection("auth_uid_index").doc(body.user.id).get()).get("email_key")).to.equal(credentialOf(email).id);
    expect(credential.password_hash).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(JSON.stringify(credential)).to.not.include(password);
    expect(credential.auth_user_synced).to.equal(true);
    const tokenHash = createHash("sha256").update(body.refresh_token).digest("hex");
    const stored = await db().collection("auth_refresh_tokens").doc(tokenHash).get();
    expect(stored.get("uid")).to.equal(body.user.id);
    expect(JSON.stringify(stored.data())).to.not.include(body.refresh_token);
  });

  it("login -> 200 with the same body shape; a new session; the token signs in as the same uid", async () => {
    const email = uniqueEmail("grace");
    const created = authBody(await post("/signup", { email, password }));
    const reply = await post("/login", { email: email.toUpperCase(), password });
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.headers.get("cache-control")).to.equal("no-store");
    const body = authBody(reply);
    expect(body.user).to.deep.equal(created.user);
    expect(body.refresh_token).to.not.equal(created.refresh_token);
    const session = await signInWithCustomToken(body.jwt_token);
    expect(session.localId).to.equal(created.user.id);
    expect(session.claims.role_id).to.equal(1);
    const sessions = await db().collection("auth_refresh_tokens").where("uid", "==", created.user.id).get();
    expect(sessions.size).to.equal(2);
    expect(new Set(sessions.docs.map((d) => d.get("session_id"))).size).to.equal(2);
  });

  it("the role comes from the server-only record, not from users/{uid} (which clients can write)", async () => {
    const email = uniqueEmail("role");
    const created = authBody(await post("/signup", { email, password }));
    await db().collection("users").doc(created.user.id).update({ role_id: 99 });
    await credentialOf(email).update({ role_id: 7 });
    const body = authBody(await post("/login", { email, password }));
    expect(body.user.role_id).to.equal(7);
    expect((await signInWithCustomToken(body.jwt_token)).claims.role_id).to.equal(7);
  });

  it("NFD password at login matches the NFC one given at signup; a NUL-containing password's prefix does not log in", async () => {
    const email = uniqueEmail("nf");
    expect((await post("/signup", { email, password: "Crème brûlée 1984" })).status).to.equal(201);
    expect((await post("/login", { email, password: "Crème brûlée 1984".normalize("NFD") })).status).to.equal(200);
    const nul = uniqueEmail("nul");
    expect((await post("/signup", { email: nul, password: "first\u0000second-part" })).status).to.equal(201);
    expect((await post("/login", { email: nul, password: "first" })).status).to.equal(401);
    expect((await post("/login", { email: nul, password: "first\u0000second-part" })).status).to.equal(200);
  });

  it("login without name at signup shows the email's local part as the name", async () => {
    const email = uniqueEmail("james");
    const body = authBody(await post("/signup", { email, password }));
    expect(body.user.name).to.equal(email.slice(0, email.indexOf("@")));
    const before = await snapshot();
    expect(before.users).to.include(body.user.id);
  });
});
