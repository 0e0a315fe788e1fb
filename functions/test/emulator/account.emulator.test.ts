import { expect } from "chai";
import {
  auth,
  authBody,
  bearer,
  credentialOf,
  db,
  errorCode,
  post,
  send,
  signedUpApp,
  signInWithCustomToken,
  snapshot,
} from "./helpers.js";

const password = "correct horse battery staple";

const signedIn = (tag: string) => signedUpApp(tag, password);

describe("authenticated account endpoints with FlutterFlow's currentJwtToken (emulators)", () => {
  it("GET /me -> the user; missing, malformed or bogus tokens -> 401 unauthenticated", async () => {
    const a = await signedIn("me");
    const reply = await send("/me", { method: "GET", headers: bearer(a.idToken) });
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.json).to.deep.equal({
      user: { id: a.uid, role_id: 1, name: "me", email: a.email, email_verified: false, mfa_enabled: false },
    });

    for (const headers of [{}, { Authorization: "Basic abc" }, { Authorization: "Bearer not.a.token" }, bearer(`${a.idToken}x`)]) {
      const denied = await send("/me", { method: "GET", headers });
      expect([denied.status, errorCode(denied)], JSON.stringify(headers).slice(0, 40)).to.deep.equal([401, "unauthenticated"]);
      expect(denied.headers.get("www-authenticate")).to.match(/^Bearer/);
    }
  });

  it("PATCH /me changes the name and photo in users/{uid}, the credential and the Auth user", async () => {
    const a = await signedIn("patch");
    const reply = await send("/me", {
      method: "PATCH",
      headers: { ...bearer(a.idToken), "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Ada King", photo_url: "https://example.com/ada.png" }),
    });
    expect(reply.status, reply.text).to.equal(200);
    expect((reply.json as { user: { name: string } }).user.name).to.equal("Ada King");
    const user = (await db().collection("users").doc(a.uid).get()).data() ?? {};
    expect(user).to.include({ display_name: "Ada King", photo_url: "https://example.com/ada.png", uid: a.uid });
    expect((await credentialOf(a.email).get()).get("display_name")).to.equal("Ada King");
    const record = await auth().getUser(a.uid);
    expect([record.displayName, record.photoURL]).to.deep.equal(["Ada King", "https://example.com/ada.png"]);

    const bad = await send("/me", {
      method: "PATCH",
      headers: { ...bearer(a.idToken), "Content-Type": "application/json" },
      body: JSON.stringify({ photo_url: "javascript:alert(1)" }),
    });
    expect([bad.status, errorCode(bad)]).to.deep.equal([400, "invalid_request"]);
  });

  it("POST /password/change: checks the current password, revokes every session, returns a fresh login", async () => {
    const a = await signedIn("pwchange");
    const other = authBody(await post("/login", { email: a.email, password }));
    const wrong = await post(
      "/password/change",
      { current_password: "wrong wrong wrong", new_password: "brand new secret 42" },
      bearer(a.idToken),
    );
    expect([wrong.status, errorCode(wrong)]).to.deep.equal([401, "invalid_credentials"]);

    await new Promise((r) => setTimeout(r, 1100)); // revocation has one-second resolution
    const reply = await post("/password/change", { current_password: password, new_password: "brand new secret 42" }, bearer(a.idToken));
    expect(reply.status, reply.text).to.equal(200);
    const fresh = authBody(reply);
    expect((await signInWithCustomToken(fresh.jwt_token)).localId).to.equal(a.uid);

    for (const old of [a.refresh, other.refresh_token]) expect((await post("/refresh", { refresh_token: old })).status).to.equal(401);
    expect((await post("/refresh", { refresh_token: fresh.refresh_token })).status).to.equal(200);
    // The ID token from before the change is revoked for signed-in calls.
    const stale = await send("/me", { method: "GET", headers: bearer(a.idToken) });
    expect([stale.status, errorCode(stale)]).to.deep.equal([401, "unauthenticated"]);
    // ...except the retry of this very change (its answer lost): it arrives with that token, and
    // gets a fresh session, as the first answer would have given; the change is made only once.
    const epoch: unknown = (await credentialOf(a.email).get()).get("session_epoch");
    const retried = await post("/password/change", { current_password: password, new_password: "brand new secret 42" }, bearer(a.idToken));
    expect(retried.status, retried.text).to.equal(200);
    expect((await post("/refresh", { refresh_token: authBody(retried).refresh_token })).status).to.equal(200);
    expect((await credentialOf(a.email).get()).get("session_epoch")).to.equal(epoch);
    // With neither password right, the revoked token gets nothing.
    const guess = await post(
      "/password/change",
      { current_password: "wrong wrong wrong", new_password: "guess guess 4242" },
      bearer(a.idToken),
    );
    expect([guess.status, errorCode(guess)]).to.deep.equal([401, "invalid_credentials"]);
    expect((await post("/login", { email: a.email, password })).status).to.equal(401);
    expect((await post("/login", { email: a.email, password: "brand new secret 42" })).status).to.equal(200);
  });

  it("DELETE /me deletes credential, uid index, sessions, users/{uid} with fcm_tokens and the Auth user; idempotent; email reusable", async () => {
    const a = await signedIn("delete");
    await db()
      .collection("users")
      .doc(a.uid)
      .collection("fcm_tokens")
      .add({ fcm_token: "t", device_type: "Android", created_at: new Date() });
    const wrong = await send("/me", {
      method: "DELETE",
      headers: { ...bearer(a.idToken), "Content-Type": "application/json" },
      body: JSON.stringify({ password: "not the password" }),
    });
    expect([wrong.status, errorCode(wrong)]).to.deep.equal([401, "invalid_credentials"]);
    expect((await credentialOf(a.email).get()).exists).to.equal(true);

    const remove = () =>
      send("/me", {
        method: "DELETE",
        headers: { ...bearer(a.idToken), "Content-Type": "application/json" },
        body: JSON.stringify({ password }),
      });
    const reply = await remove();
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.json).to.deep.equal({ deleted: true });
    expect((await credentialOf(a.email).get()).exists).to.equal(false);
    expect((await db().collection("auth_uid_index").doc(a.uid).get()).exists).to.equal(false);
    expect((await db().collection("users").doc(a.uid).get()).exists).to.equal(false);
    expect((await db().collection("users").doc(a.uid).collection("fcm_tokens").get()).size).to.equal(0);
    expect((await db().collection("auth_refresh_tokens").where("uid", "==", a.uid).get()).size).to.equal(0);
    const gone = await auth()
      .getUser(a.uid)
      .then(
        () => false,
        () => true,
      );
    expect(gone).to.equal(true);

    // A retry after a complete deletion (its answer lost): the token is genuine and unexpired, its
    // user is gone - the deletion is done, and the answer says so. Partial-failure retries: unit tests.
    const retry = await remove();
    expect([retry.status, retry.json], retry.text).to.deep.equal([200, { deleted: true }]);
    // Only the deletion accepts a deleted user's token: every other call refuses it.
    const after = await send("/me", { method: "GET", headers: bearer(a.idToken) });
    expect([after.status, errorCode(after)]).to.deep.equal([401, "unauthenticated"]);
    expect((await post("/login", { email: a.email, password })).status).to.equal(401);
    expect((await post("/signup", { email: a.email, password })).status).to.equal(201);
  });

  it("POST /account/delete is the same as DELETE /me", async () => {
    const a = await signedIn("delete2");
    const reply = await post("/account/delete", { password }, bearer(a.idToken));
    expect(reply.status, reply.text).to.equal(200);
    expect((await credentialOf(a.email).get()).exists).to.equal(false);
  });
});

describe("refused signed-in and admin requests write nothing (emulators)", () => {
  it("bad tokens, wrong passwords, bad bodies and non-admins: the right error, state unchanged", async () => {
    const a = await signedIn("refused");
    const json = (idToken: string | undefined, body: unknown, method = "POST") => ({
      method,
      headers: { ...(idToken === undefined ? {} : bearer(idToken)), "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const cases: [string, RequestInit, number, string][] = [
      ["/me", json(undefined, { name: "x" }, "PATCH"), 401, "unauthenticated"],
      ["/me", json("forged.token.value", { name: "x" }, "PATCH"), 401, "unauthenticated"],
      ["/me", json(a.idToken, { name: "null" }, "PATCH"), 400, "invalid_request"],
      ["/me", json(a.idToken, { role_id: 9 }, "PATCH"), 400, "invalid_request"],
      ["/me", json(a.idToken, {}, "PATCH"), 400, "invalid_request"],
      ["/password/change", json(a.idToken, { current_password: "wrong one!", new_password: "a fine new one" }), 401, "invalid_credentials"],
      ["/password/change", json(a.idToken, { current_password: password, new_password: "short" }), 400, "weak_password"],
      ["/password/change", json(undefined, { current_password: password, new_password: "a fine new one" }), 401, "unauthenticated"],
      ["/account/delete", json(a.idToken, { password: "wrong one!" }), 401, "invalid_credentials"],
      ["/account/delete", json(a.idToken, {}), 400, "invalid_request"],
      ["/me", json(a.idToken, { password: "wrong one!" }, "DELETE"), 401, "invalid_credentials"],
      [`/admin/users/${a.uid}/role`, json(a.idToken, { role_id: 9 }), 403, "forbidden"],
      [`/admin/users/${a.uid}/disable`, json(a.idToken, { disabled: true }), 403, "forbidden"],
      ["/admin/users/a.b/role", json(a.idToken, { role_id: 9 }), 404, "not_found"],
    ];
    for (const [path, init, status, expected] of cases) {
      // A password check touches the throttle counters (auth_throttle): a wrong password counts,
      // a right one (then refused for a weak new password) clears. Nothing else may change.
      const except = ["invalid_credentials", "weak_password"].includes(expected) ? ["auth_throttle"] : [];
      const before = await snapshot(except);
      const reply = await send(path, init);
      expect([reply.status, errorCode(reply)], `${init.method} ${path} ${String(init.body)}`).to.deep.equal([status, expected]);
      expect(await snapshot(except), `${init.method} ${path} wrote something`).to.deep.equal(before);
    }
  });
});
