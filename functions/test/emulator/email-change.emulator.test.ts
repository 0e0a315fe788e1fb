import { expect } from "chai";
import {
  auth,
  authBody,
  bearer,
  credentialOf,
  db,
  errorCode,
  mailedCode,
  mailsTo,
  post,
  send,
  signedUpApp,
  signInWithCustomToken,
  uniqueEmail,
} from "./helpers.js";

// Email change over HTTP, as a FlutterFlow app does it: signed in (Bearer ID token), ask with the
// new address and the password, read the code the new address received (the `mail` document),
// confirm, and sign in with the answer's jwt_token.
const password = "correct horse battery staple";

const signedUp = (tag: string) => signedUpApp(tag, password);

describe("email change by mailed code (emulators, over HTTP)", () => {
  it("code to the new address, notice to the old; confirm moves login, users/{uid}, the Auth user; every old session ends; the old address is free", async () => {
    const { email, body, uid, idToken } = await signedUp("move");
    const newEmail = uniqueEmail("moved");

    const asked = await post("/email/change/request", { new_email: newEmail, password }, { ...bearer(idToken), "Accept-Language": "es" });
    expect([asked.status, asked.json]).to.deep.equal([202, { sent: true }]);
    const notice = (await mailsTo(email)).at(-1);
    expect(notice?.subject).to.match(/se está cambiando tu dirección de correo/);
    expect(notice?.text).to.include(newEmail);
    const code = await mailedCode(newEmail);

    // Firebase revocation has a one-second resolution (docs/security.md, "Revocation"): the sign-in must be older.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const confirmed = await post("/email/change/confirm", { code }, bearer(idToken));
    expect(confirmed.status, confirmed.text).to.equal(200);
    const moved = authBody(confirmed);
    expect(moved.user).to.deep.include({ id: uid, email: newEmail, email_verified: true });

    // Firestore and Firebase Auth follow.
    expect((await db().collection("users").doc(uid).get()).get("email")).to.equal(newEmail);
    const authUser = await auth().getUser(uid);
    expect([authUser.email, authUser.emailVerified]).to.deep.equal([newEmail, true]);
    expect((await credentialOf(email).get()).exists).to.equal(false);
    expect((await credentialOf(newEmail).get()).get("uid")).to.equal(uid);

    // Every session from before ends: the refresh token, and the Firebase session (ID token).
    expect(errorCode(await post("/refresh", { refresh_token: body.refresh_token }))).to.equal("invalid_refresh_token");
    expect((await send("/me", { headers: bearer(idToken) })).status, "the ID token from before the change is revoked").to.equal(401);
    const next = await signInWithCustomToken(moved.jwt_token);
    expect([next.claims.email, next.claims.email_verified]).to.deep.equal([newEmail, true]);
    expect((await send("/me", { headers: bearer(next.idToken) })).status).to.equal(200);
    expect((await post("/refresh", { refresh_token: moved.refresh_token })).status).to.equal(200);

    // Login follows the address.
    expect(errorCode(await post("/login", { email, password }))).to.equal("invalid_credentials");
    expect(authBody(await post("/login", { email: newEmail.toUpperCase(), password })).user.id).to.equal(uid);

    // The old address is free for a new account.
    const reused = await post("/signup", { email, password: "another fine passphrase" });
    expect(reused.status, reused.text).to.equal(201);
    expect(authBody(reused).user.id).to.not.equal(uid);
  });

  it("an address that is taken: the same 202, a notice to the owner and no code; confirming anything fails", async () => {
    const { email, idToken } = await signedUp("taker");
    const { email: taken } = await signedUp("taken");
    const before = (await mailsTo(taken)).length;
    const asked = await post("/email/change/request", { new_email: taken, password }, bearer(idToken));
    expect([asked.status, asked.json]).to.deep.equal([202, { sent: true }]);
    expect(await mailsTo(taken), "nothing mailed to the taken address").to.have.length(before);
    expect((await mailsTo(email)).at(-1)?.subject).to.match(/being changed/);
    expect(errorCode(await post("/email/change/confirm", { code: "123456" }, bearer(idToken)))).to.equal("invalid_code");
    const again = await post("/email/change/request", { new_email: uniqueEmail("free"), password }, bearer(idToken));
    expect([again.status, again.headers.get("retry-after")]).to.deep.equal([429, "60"]);
  });

  it("a wrong password: 401 invalid_credentials naming password, nothing mailed; no caller: 401", async () => {
    const { idToken } = await signedUp("wrongpw");
    const newEmail = uniqueEmail("never");
    const wrong = await post("/email/change/request", { new_email: newEmail, password: "not the password at all" }, bearer(idToken));
    expect([wrong.status, errorCode(wrong), (wrong.json as { error: { field: string } }).error.field]).to.deep.equal([
      401,
      "invalid_credentials",
      "password",
    ]);
    expect(await mailsTo(newEmail)).to.have.length(0);
    expect((await post("/email/change/request", { new_email: newEmail, password })).status).to.equal(401);
  });

  it("five concurrent confirms of one code: one moves the account, the rest are refused; the account is whole", async () => {
    const { uid, idToken } = await signedUp("race");
    const newEmail = uniqueEmail("raced");
    expect((await post("/email/change/request", { new_email: newEmail, password }, bearer(idToken))).status).to.equal(202);
    const code = await mailedCode(newEmail);
    const replies = await Promise.all(Array.from({ length: 5 }, () => post("/email/change/confirm", { code }, bearer(idToken))));
    expect(replies.filter((r) => r.status === 200)).to.have.length(1);
    // A loser is refused: its code was used (400), its session ended with the move (401), or the
    // credential it looked up moved under it (404).
    for (const reply of replies.filter((r) => r.status !== 200)) expect([400, 401, 404]).to.include(reply.status);
    expect((await credentialOf(newEmail).get()).get("uid")).to.equal(uid);
    expect((await auth().getUser(uid)).email).to.equal(newEmail);
  });
});
