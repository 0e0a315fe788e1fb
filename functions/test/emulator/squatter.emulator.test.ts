import { expect } from "chai";
import { collection, doc, setDoc } from "firebase/firestore";
import { appSignedIn, closeApps, needsRules, reach } from "./app.js";
import { serveFunction, stopProcess } from "./framework.js";
import { auth, authBody, bearer, credentialOf, db, emailKey, errorCode, keys, mailedCode, post, uniqueEmail } from "./helpers.js";

// Issue 21, item 2 and the trusted-network and /password/change findings of item 4, played in
// order on the stack's default configuration (REQUIRE_VERIFIED_EMAIL=false): someone signs up
// with another person's address, settles in (a push token, app data, a stashed custom token,
// trusted networks, a pending email change), and the address's owner takes it back with a
// password reset by mailed code.
const password = "correct horse battery staple";
const ownersPassword = "the owner's own passphrase";
const from = (ip: string) => ({ "X-Forwarded-For": ip });

/** The trust marker of `email` on network `ip` (throttle.ts, trustIdOf): its epoch, or null when there is none. */
async function trustEpoch(email: string, ip: string): Promise<number | null> {
  const marker = await db()
    .collection("auth_throttle")
    .doc(keys.throttle(["trusted", emailKey(email), ip]))
    .get();
  return marker.exists ? Number(marker.get("session_epoch") ?? 0) : null;
}

describe("squatted addresses and trusted networks (emulators, real Firestore with the rules)", () => {
  before(needsRules("Squatter tests"));

  afterEach(closeApps);

  it("the owner's reset takes the address back: the squatter's sessions, stashed token, push token, data, name, trusted networks and pending email change all end", async () => {
    const ceo = uniqueEmail("squat.ceo");
    // The squatter signs up with the CEO's address and settles in.
    const signup = authBody(await post("/signup", { email: ceo, password, name: "The CEO" }, from("203.0.113.61")));
    const squatter = await appSignedIn(signup.jwt_token);
    const uid = squatter.uid;
    await setDoc(doc(squatter.firestore, "users", uid, "fcm_tokens", "squatters-phone"), { fcm_token: "squatter", device_type: "iOS" });
    await db().collection("users").doc(uid).collection("orders").doc("o1").set({ item: "written by the squatter's app" });
    await db().collection("users").doc(uid).update({ photo_url: "https://example.com/squatter.png", bio: "CEO of Corp" });
    const stashed = authBody(await post("/refresh", { refresh_token: signup.refresh_token }, from("203.0.113.62")));
    for (const ip of ["203.0.113.63", "203.0.113.64"]) authBody(await post("/login", { email: ceo, password }, from(ip)));
    expect(await trustEpoch(ceo, "203.0.113.63")).to.equal(0);
    const elsewhere = uniqueEmail("squat.elsewhere");
    expect((await post("/email/change/request", { new_email: elsewhere, password }, bearer(squatter.idToken))).status).to.equal(202);
    const changeCode = await mailedCode(elsewhere);
    await new Promise((resolve) => setTimeout(resolve, 1100));

    // The owner finds the address taken and resets the password from the mailbox.
    expect((await post("/password/reset/request", { email: ceo }, from("198.51.100.61"))).status).to.equal(202);
    const code = await mailedCode(ceo);
    const owner = authBody(
      await post("/password/reset/confirm", { email: ceo, code, new_password: ownersPassword }, from("198.51.100.61")),
    );
    expect(owner.user).to.include({ id: uid, name: "", email_verified: true });
    await new Promise((resolve) => setTimeout(resolve, 1100));

    // The squatter: its app, its stashed custom token (exchanged only now), its refresh token,
    // its pending email change - nothing works.
    expect(await reach(squatter)).to.deep.equal({ api: 401, rules: "denied" });
    const late = await appSignedIn(stashed.jwt_token);
    expect(await reach(late)).to.deep.equal({ api: 401, rules: "denied" });
    expect((await post("/refresh", { refresh_token: stashed.refresh_token })).status).to.equal(401);
    const confirm = await post("/email/change/confirm", { code: changeCode }, bearer(squatter.idToken));
    expect(confirm.status).to.equal(401);
    expect((await credentialOf(elsewhere).get()).exists).to.equal(false);
    const pending = await db()
      .collection("auth_codes")
      .doc(keys.code("email_change", emailKey(ceo)))
      .get();
    expect(pending.exists, "the squatter's email change code").to.equal(false);
    // Its trusted networks are of an older epoch: they no longer trust.
    expect(await trustEpoch(ceo, "203.0.113.63")).to.equal(0);
    expect((await credentialOf(ceo).get()).get("session_epoch")).to.equal(1);

    // Nothing the squatter wrote stays on the owner's account.
    const profile = (await db().collection("users").doc(uid).get()).data() ?? {};
    expect(Object.keys(profile).sort()).to.deep.equal(["created_time", "display_name", "email", "role_id", "uid"]);
    expect(profile.display_name).to.equal("");
    expect((await db().collection("users").doc(uid).collection("fcm_tokens").get()).size).to.equal(0);
    expect((await db().collection("users").doc(uid).collection("orders").get()).size).to.equal(0);
    expect((await credentialOf(ceo).get()).get("display_name")).to.equal("");
    expect((await auth().getUser(uid)).displayName ?? "").to.equal("");

    // The owner's session works, on both sides.
    const ownersApp = await appSignedIn(owner.jwt_token);
    expect(await reach(ownersApp)).to.deep.equal({ api: 200, rules: "allowed" });
    await setDoc(doc(collection(ownersApp.firestore, "users", uid, "fcm_tokens"), "owners-phone"), { fcm_token: "owner" });
  });

  it("trusted networks end with a password change: the marker's epoch is left behind, and the next login trusts again under the new one", async () => {
    const email = uniqueEmail("trust.change");
    const home = "203.0.113.71";
    const body = authBody(await post("/signup", { email, password }, from(home)));
    authBody(await post("/login", { email, password }, from(home)));
    expect(await trustEpoch(email, home)).to.equal(0);
    const app = await appSignedIn(body.jwt_token);
    const changed = await post(
      "/password/change",
      { current_password: password, new_password: ownersPassword },
      { ...bearer(app.idToken), ...from(home) },
    );
    expect(changed.status).to.equal(200);
    expect((await credentialOf(email).get()).get("session_epoch")).to.equal(1);
    expect(await trustEpoch(email, home), "the old marker stays, of the old epoch: no longer trusted").to.equal(0);
    authBody(await post("/login", { email, password: ownersPassword }, from(home)));
    expect(await trustEpoch(email, home)).to.equal(1);
  });

  it("REQUIRE_VERIFIED_EMAIL turned on: a session from before cannot get a new one through /password/change (403, nothing changed)", async function () {
    this.timeout(120_000);
    const email = uniqueEmail("gate.change");
    const body = authBody(await post("/signup", { email, password }));
    const app = await appSignedIn(body.jwt_token);
    const fn = await serveFunction(8298, { REQUIRE_VERIFIED_EMAIL: "true" });
    try {
      const reply = await fn.post("/password/change", { current_password: password, new_password: ownersPassword }, bearer(app.idToken));
      expect([reply.status, errorCode(reply)]).to.deep.equal([403, "email_not_verified"]);
    } finally {
      await stopProcess(fn.process);
    }
    expect((await credentialOf(email).get()).get("session_epoch")).to.equal(0);
    expect((await post("/login", { email, password })).status).to.equal(200);
  });
});
