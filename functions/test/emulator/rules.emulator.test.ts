import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIRESTORE_MODE } from "./helpers.js";

// Security rules are evaluated only by the real Firestore emulator. The offline stand-in
// ignores rules entirely, so on it these tests are SKIPPED (reported as pending, never as
// passing). Run them where Java 21 and internet are available:
//   STACK_FIRESTORE=real npm test
const SKIP_REASON =
  "Firestore rules tests SKIPPED: the offline Firestore does not evaluate security rules. " +
  "Run `STACK_FIRESTORE=real npm test` (needs Java 21 and internet for the emulator download).";

describe("firestore.rules (real Firestore emulator only)", function () {
  let env: RulesTestEnvironment;

  before(async function () {
    if (FIRESTORE_MODE !== "real") {
      console.warn(`\n  !!! ${SKIP_REASON}\n`);
      this.skip();
    }
    const [host, port] = (process.env["FIRESTORE_EMULATOR_HOST"] ?? "").split(":");
    env = await initializeTestEnvironment({
      projectId: process.env["PROJECT_ID"] ?? "demo-flutterflow-auth",
      firestore: {
        rules: readFileSync(join(__dirname, "..", "..", "..", "firestore.rules"), "utf8"),
        host: host ?? "127.0.0.1",
        port: Number(port),
      },
    });
  });

  after(async () => {
    await env?.cleanup();
  });

  beforeEach(async () => {
    await env.clearFirestore();
    await env.withSecurityRulesDisabled(async (ctx) => {
      const db = ctx.firestore();
      await db.doc("users/alice").set({ uid: "alice", email: "alice@example.com", display_name: "Alice", role_id: 1 });
      await db.doc("users/bob").set({ uid: "bob", email: "bob@example.com", display_name: "Bob", role_id: 1 });
      await db.doc("auth_credentials/abc").set({ uid: "alice", password_hash: "$argon2id$...", role_id: 1 });
      await db.doc("auth_uid_index/alice").set({ email_key: "abc" });
      await db.doc("auth_refresh_tokens/t1").set({ uid: "alice", session_id: "s1" });
      await db.doc("auth_refresh_rotations/t0").set({ uid: "alice", session_id: "s1" });
    });
  });

  const alice = () => env.authenticatedContext("alice", { role_id: 1 }).firestore();

  it("a user reads their own users/{uid} but not another's", async () => {
    await assertSucceeds(alice().doc("users/alice").get());
    await assertFails(alice().doc("users/bob").get());
    await assertFails(env.unauthenticatedContext().firestore().doc("users/alice").get());
  });

  it("a user updates their profile but cannot change role_id or uid", async () => {
    await assertSucceeds(alice().doc("users/alice").update({ display_name: "Alice L." }));
    await assertFails(alice().doc("users/alice").update({ role_id: 99 }));
    await assertFails(alice().doc("users/alice").update({ uid: "bob" }));
    await assertFails(alice().doc("users/bob").update({ display_name: "hacked" }));
  });

  it("a user may create their own missing users/{uid} (FlutterFlow's maybeCreateUser), without a role", async () => {
    const carol = env.authenticatedContext("carol").firestore();
    await assertSucceeds(carol.doc("users/carol").set({ uid: "carol", email: "carol@example.com" }));
    const dave = env.authenticatedContext("dave").firestore();
    await assertFails(dave.doc("users/dave").set({ uid: "dave", role_id: 0 }));
    await assertFails(dave.doc("users/erin").set({ uid: "erin" }));
  });

  it("fcm_tokens: own only", async () => {
    await assertSucceeds(alice().collection("users/alice/fcm_tokens").add({ fcm_token: "t", device_type: "Android" }));
    await assertFails(alice().collection("users/bob/fcm_tokens").add({ fcm_token: "t" }));
    await assertFails(alice().collection("users/bob/fcm_tokens").get());
  });

  it("server-only collections are closed to every client", async () => {
    for (const path of ["auth_credentials/abc", "auth_uid_index/alice", "auth_refresh_tokens/t1", "auth_refresh_rotations/t0"]) {
      await assertFails(alice().doc(path).get());
      await assertFails(alice().doc(path).set({ uid: "alice" }));
      await assertFails(alice().doc(path).delete());
    }
    await assertFails(alice().collection("auth_credentials").get());
  });
});
