import { expect } from "chai";
import {
  auth,
  authBody,
  bearer,
  db,
  emailKey,
  errorCode,
  keys,
  mailedCode,
  mailsTo,
  post,
  randomClientIp,
  signInWithCustomToken,
  uniqueEmail,
} from "./helpers.js";

// Verified email over HTTP: the signed-in app asks for a code, reads it from `mail` as the
// "Trigger Email" extension would send it, and confirms; the Firebase user and the next ID token
// then say `email_verified`.
const password = "correct horse battery staple";

describe("email verification by mailed code (emulators, over HTTP)", () => {
  it("signup mails a code (SEND_VERIFICATION_ON_SIGNUP, on by default); confirm -> the user object, the Auth user and the next ID token say email_verified", async () => {
    const email = uniqueEmail("verify");
    const signup = authBody(await post("/signup", { email, password }, { "Accept-Language": "pt-BR" }));
    expect(signup.user.email_verified).to.equal(false);
    expect((await mailsTo(email)).at(-1)?.subject).to.match(/código de verificação/);
    const code = await mailedCode(email);
    const { idToken, localId } = await signInWithCustomToken(signup.jwt_token);

    const soon = await post("/email/verify/request", {}, bearer(idToken));
    expect([soon.status, soon.headers.get("retry-after")], "a new code only after the resend interval").to.deep.equal([429, "60"]);
    const wrong = code === "000000" ? "000001" : "000000";
    expect(errorCode(await post("/email/verify/confirm", { code: wrong }, bearer(idToken)))).to.equal("invalid_code");

    const confirmed = await post("/email/verify/confirm", { code }, bearer(idToken));
    expect(confirmed.status).to.equal(200);
    expect((confirmed.json as { user: { email_verified: boolean } }).user.email_verified).to.equal(true);
    expect((await auth().getUser(localId)).emailVerified).to.equal(true);

    const login = authBody(await post("/login", { email, password }));
    expect(login.user.email_verified).to.equal(true);
    const next = await signInWithCustomToken(login.jwt_token);
    expect(next.claims.email_verified, "rules can read request.auth.token.email_verified").to.equal(true);

    const again = await post("/email/verify/request", {}, bearer(next.idToken));
    expect([again.status, again.json]).to.deep.equal([200, { sent: false, already_verified: true }]);
  });

  it("signup's mail counts on the network's mail counter (mail_ip, 100 an hour); with it spent, a signup is made and signed in without a mail", async () => {
    const network = { "X-Forwarded-For": randomClientIp() };
    for (let i = 0; i < 100; i++) {
      expect((await post("/password/reset/request", { email: uniqueEmail("spend") }, network)).status).to.equal(202);
    }
    const counted = uniqueEmail("counted");
    expect((await post("/signup", { email: counted, password }, network)).status).to.equal(201);
    expect(await mailsTo(counted), "the 101st mail request goes, and sets the lock").to.have.length(1);
    const reset = await post("/password/reset/request", { email: counted }, network);
    expect([reset.status, errorCode(reset)], "the signup's mail was counted").to.deep.equal([429, "too_many_requests"]);

    const spent = uniqueEmail("spent");
    const made = await post("/signup", { email: spent, password }, network);
    expect([made.status, authBody(made).user.email]).to.deep.equal([201, spent]);
    expect(await mailsTo(spent), "no mail").to.deep.equal([]);
    expect((await post("/login", { email: spent, password })).status).to.equal(200);
  });

  it("asking for a new code after the interval: 202, a new code replaces the signup's", async () => {
    const email = uniqueEmail("verifyagain");
    const signup = authBody(await post("/signup", { email, password }));
    const first = await mailedCode(email);
    const { idToken } = await signInWithCustomToken(signup.jwt_token);
    // The resend interval has passed: its document is gone (as if 60 s went by).
    await db()
      .collection("auth_codes")
      .doc(keys.code("email_verification", emailKey(email)))
      .delete();
    const asked = await post("/email/verify/request", {}, { ...bearer(idToken), "Accept-Language": "de" });
    expect([asked.status, asked.json]).to.deep.equal([202, { sent: true }]);
    expect((await mailsTo(email)).at(-1)?.subject).to.match(/Bestätigungscode/);
    const second = await mailedCode(email);
    if (first !== second) expect(errorCode(await post("/email/verify/confirm", { code: first }, bearer(idToken)))).to.equal("invalid_code");
    expect((await post("/email/verify/confirm", { code: second }, bearer(idToken))).status).to.equal(200);
  });

  it("without a signed-in caller: 401, and nothing is mailed", async () => {
    const reply = await post("/email/verify/request", {});
    expect([reply.status, errorCode(reply)]).to.deep.equal([401, "unauthenticated"]);
  });
});
