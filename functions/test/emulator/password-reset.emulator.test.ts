import { expect } from "chai";
import { authBody, db, errorCode, mailedCode, mailsTo, post, signInWithCustomToken, uniqueEmail } from "./helpers.js";

// Forgot password over HTTP, exactly as a FlutterFlow app calls it, with the code read from the
// `mail` collection the way Firebase's "Trigger Email" extension reads it.
const password = "correct horse battery staple";
const newPassword = "a brand new passphrase";

async function signedUp(tag: string) {
  const email = uniqueEmail(tag);
  const body = authBody(await post("/signup", { email, password }));
  return { email, body };
}

const requestReset = (email: string, headers: Record<string, string> = {}) => post("/password/reset/request", { email }, headers);
const confirmReset = (email: string, code: string, pw = newPassword) => post("/password/reset/confirm", { email, code, new_password: pw });

describe("password reset by mailed code (emulators, over HTTP)", () => {
  it("request -> a code in the user's language in `mail` -> confirm: signed in with the new password; the old password, refresh token and Firebase session are dead", async () => {
    const { email, body } = await signedUp("reset");
    const asked = await requestReset(email, { "Accept-Language": "fr-CA, en;q=0.5" });
    expect([asked.status, asked.json]).to.deep.equal([202, { sent: true }]);
    const mail = (await mailsTo(email)).at(-1);
    expect(mail?.subject).to.match(/ : votre code de réinitialisation du mot de passe$/);
    const code = await mailedCode(email);

    const before = await signInWithCustomToken(body.jwt_token);
    // Firebase revocation has a one-second resolution: a sign-in in the same second as the
    // revocation stays valid (docs/security.md, "Revocation"). Production's sessions are older than that.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const reset = await confirmReset(email, code);
    expect(reset.status).to.equal(200);
    const signedIn = await signInWithCustomToken(authBody(reset).jwt_token);
    expect(signedIn.localId).to.equal(body.user.id);

    expect(errorCode(await post("/login", { email, password }))).to.equal("invalid_credentials");
    expect((await post("/login", { email, password: newPassword })).status).to.equal(200);
    expect(errorCode(await post("/refresh", { refresh_token: body.refresh_token }))).to.equal("invalid_refresh_token");
    const me = await fetch(`${process.env.API_URL}/me`, { headers: { Authorization: `Bearer ${before.idToken}` } });
    expect(me.status, "the ID token from before the reset is revoked").to.equal(401);
    expect((await mailsTo(email)).at(-1)?.subject).to.match(/password was reset$/);
  });

  it("an unknown email: the same 202 and body, and no mail", async () => {
    const email = uniqueEmail("nobody");
    const asked = await requestReset(email);
    expect([asked.status, asked.json]).to.deep.equal([202, { sent: true }]);
    expect(await mailsTo(email)).to.have.length(0);
    const again = await requestReset(email);
    expect([again.status, errorCode(again), again.headers.get("retry-after")]).to.deep.equal([429, "too_many_requests", "60"]);
  });

  it("six wrong codes: the code is dead, the right one fails too", async () => {
    const { email } = await signedUp("wrong");
    await requestReset(email);
    const code = await mailedCode(email);
    const wrong = code === "000000" ? "000001" : "000000";
    for (let i = 0; i < 5; i++) expect(errorCode(await confirmReset(email, wrong))).to.equal("invalid_code");
    const late = await confirmReset(email, code);
    expect([late.status, errorCode(late)]).to.deep.equal([400, "invalid_code"]);
    expect((await post("/login", { email, password })).status, "the password is unchanged").to.equal(200);
  });

  it("a used code fails; an expired code fails", async () => {
    const { email } = await signedUp("used");
    await requestReset(email);
    const code = await mailedCode(email);
    expect((await confirmReset(email, code)).status).to.equal(200);
    expect(errorCode(await confirmReset(email, code, "yet another passphrase"))).to.equal("invalid_code");

    const other = await signedUp("expired");
    await requestReset(other.email);
    const stale = await mailedCode(other.email);
    // 15 minutes pass (the code's expiry is dated back rather than waited for).
    const codes = await db().collection("auth_codes").where("uid", "==", other.body.user.id).where("purpose", "==", "password_reset").get();
    expect(codes.size).to.equal(1);
    await codes.docs[0]?.ref.update({ expires_at: new Date(Date.now() - 1000) });
    expect(errorCode(await confirmReset(other.email, stale))).to.equal("invalid_code");
  });

  it("concurrent confirms of one code: exactly one succeeds (single use under concurrency)", async () => {
    const { email } = await signedUp("race");
    await requestReset(email);
    const code = await mailedCode(email);
    const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => confirmReset(email, code, `${newPassword} ${i}`)));
    expect(replies.filter((r) => r.status === 200)).to.have.length(1);
    expect(replies.filter((r) => r.status !== 200).map(errorCode)).to.satisfy((codes: (string | undefined)[]) =>
      codes.every((c) => c === "invalid_code" || c === "too_many_requests"),
    );
  });

  it("a weak new password is refused and the code still works; a missing field is a 400 naming it", async () => {
    const { email } = await signedUp("weak");
    await requestReset(email);
    const code = await mailedCode(email);
    const weak = await confirmReset(email, code, "short");
    expect([weak.status, errorCode(weak)]).to.deep.equal([400, "weak_password"]);
    expect((await confirmReset(email, code)).status).to.equal(200);
    const missing = await post("/password/reset/confirm", { email, code });
    expect([missing.status, errorCode(missing)]).to.deep.equal([400, "invalid_request"]);
  });
});
