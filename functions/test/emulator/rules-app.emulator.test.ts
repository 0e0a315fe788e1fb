import { expect } from "chai";
import { collection, deleteDoc, doc, getDoc, getDocs, setDoc, Timestamp, updateDoc } from "firebase/firestore";
import { closeApps, needsRules, appSignedIn as signedInApp } from "./app.js";
import { authBody, db, post, uniqueEmail } from "./helpers.js";

// The app's side of the rules, end to end: an account made by this backend, signed in with the
// Firebase JS SDK exactly as FlutterFlow's "Log In (JWT token)" does (signInWithCustomToken on
// the Auth emulator), against the rules the stack loaded from firestore.rules. Shows that the
// ID token a custom-token user gets carries what the rules rely on (uid, email, role_id).
const password = "correct horse battery staple";

async function denied(operation: Promise<unknown>): Promise<string> {
  const error = await operation.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the operation should be refused").to.not.equal(undefined);
  return String((error as { code?: unknown }).code);
}

describe("the stack's rules, as a signed-in FlutterFlow app meets them (Firebase JS SDK, real Firestore emulator)", () => {
  before(needsRules("App-side rules test"));

  afterEach(closeApps);

  it("after signup: the app reads and edits its users/{uid}, cannot touch email, role_id, uid or created_time, nor any auth_* record", async () => {
    const email = uniqueEmail("Rules.App");
    const body = authBody(await post("/signup", { email, password, name: "Rules App" }));
    const { uid, firestore } = await signedInApp(body.jwt_token);
    expect(uid).to.equal(body.user.id);
    const me = doc(firestore, "users", uid);

    const snapshot = await getDoc(me);
    expect(snapshot.get("email")).to.equal(email);
    await updateDoc(me, { display_name: "Renamed", photo_url: "https://example.com/p.png", phone_number: "+15550000000" });
    await setDoc(doc(firestore, "users", uid, "fcm_tokens", "device1"), {
      fcm_token: "tok",
      device_type: "Android",
      created_at: Timestamp.now(),
    });
    expect((await getDocs(collection(firestore, "users", uid, "fcm_tokens"))).size).to.equal(1);

    for (const change of [{ email: "someone.else@example.com" }, { role_id: 9 }, { uid: "x" }, { created_time: Timestamp.now() }]) {
      expect(await denied(updateDoc(me, change)), JSON.stringify(change)).to.equal("permission-denied");
    }
    for (const name of ["auth_credentials", "auth_uid_index", "auth_refresh_tokens", "auth_refresh_rotations", "auth_throttle"]) {
      expect(await denied(getDocs(collection(firestore, name))), name).to.equal("permission-denied");
    }
    expect(await denied(getDoc(doc(firestore, "users", "someoneElse0000000000")))).to.equal("permission-denied");
    expect((await getDoc(me)).get("role_id")).to.equal(1);
  });

  it("users/{uid}: the app can neither delete it nor create it (a re-created document could drop role_id or email, or forge created_time)", async () => {
    const email = uniqueEmail("Rules.Recreate");
    const body = authBody(await post("/signup", { email, password }));
    const { uid, firestore } = await signedInApp(body.jwt_token);
    const me = doc(firestore, "users", uid);
    expect(await denied(deleteDoc(me))).to.equal("permission-denied");
    expect((await getDoc(me)).get("role_id")).to.equal(1);
    // Deleted by someone else (the console, a script): what FlutterFlow's maybeCreateUser would
    // then write is refused too; only the backend writes the document.
    await db().collection("users").doc(uid).delete();
    expect(await denied(setDoc(me, { uid, email: email.toLowerCase(), created_time: Timestamp.now() }))).to.equal("permission-denied");
  });
});
