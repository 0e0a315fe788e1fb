import { expect } from "chai";
import firebaseFunctionsTest from "firebase-functions-test";
import { auth, authBody, credentialOf, db, post, refreshTokenDoc as tokenDoc, uniqueEmail } from "./helpers.js";

const password = "correct horse battery staple";

// The background functions, run in this process with firebase-functions-test (online mode,
// against the emulators of the running stack), plus one end-to-end check through the Functions
// emulator's own Auth trigger.
const fft = firebaseFunctionsTest({ projectId: process.env.PROJECT_ID ?? "demo-flutterflow-auth" });
after(() => fft.cleanup());

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("housekeeping functions (firebase-functions-test, emulators)", () => {
  it("cleanupSessions deletes expired refresh tokens, rotation records and throttle counters, keeps live ones", async () => {
    const { cleanupSessions } = await import("../../src/index.js");
    const email = uniqueEmail("cleanup");
    const first = authBody(await post("/signup", { email, password }));
    const rotated = authBody(await post("/refresh", { refresh_token: first.refresh_token }));
    const live = authBody(await post("/login", { email, password }));
    const past = new Date(Date.now() - 60_000);
    await tokenDoc(first.refresh_token).update({ expires_at: past });
    await tokenDoc(rotated.refresh_token).update({ expires_at: past });
    await db().collection("auth_refresh_rotations").doc(tokenDoc(first.refresh_token).id).update({ expires_at: past });
    const counter = db().collection("auth_throttle").doc("f".repeat(64));
    await counter.set({ dimension: "ip", failures: 3, expires_at: past });

    // firebase-functions-test has no wrapper typed for v2 scheduled functions; `run` is the
    // function's own test entry point (the handler with a ScheduledEvent).
    await cleanupSessions.run({ scheduleTime: new Date().toISOString() });

    expect((await tokenDoc(first.refresh_token).get()).exists).to.equal(false);
    expect((await tokenDoc(rotated.refresh_token).get()).exists).to.equal(false);
    expect((await db().collection("auth_refresh_rotations").doc(tokenDoc(first.refresh_token).id).get()).exists).to.equal(false);
    expect((await counter.get()).exists).to.equal(false);
    expect((await tokenDoc(live.refresh_token).get()).exists).to.equal(true);
  });

  it("cleanupSessions deletes more expired documents than one step (400) in one run, and keeps a live one", async () => {
    const { cleanupSessions } = await import("../../src/index.js");
    const past = new Date(Date.now() - 60_000);
    const codes = db().collection("auth_codes");
    const ids = Array.from({ length: 450 }, (_, i) => `cleanup-step-${i}`);
    const batch = db().batch();
    for (const id of ids) batch.set(codes.doc(id), { purpose: "reset", tries: 0, expires_at: past });
    batch.set(codes.doc("cleanup-step-live"), { purpose: "reset", tries: 0, expires_at: new Date(Date.now() + 3_600_000) });
    await batch.commit();

    await cleanupSessions.run({ scheduleTime: new Date().toISOString() });

    const left = await db().getAll(...ids.map((id) => codes.doc(id)));
    expect(left.filter((doc) => doc.exists)).to.have.lengthOf(0);
    expect((await codes.doc("cleanup-step-live").get()).exists).to.equal(true);
  });

  it("authUserDeleted (2nd gen) forgets the server-only records of the uid; users/{uid} stays (app data)", async () => {
    const { authUserDeleted } = await import("../../src/index.js");
    const email = uniqueEmail("forget");
    const created = authBody(await post("/signup", { email, password }));
    // The CloudEvent Eventarc delivers (`run`, the function's own test entry point; the user
    // record as firebase-functions hands it to the handler).
    await authUserDeleted.run({
      specversion: "1.0",
      id: "test-event",
      source: `//identitytoolkit.googleapis.com/projects/${process.env.PROJECT_ID ?? "demo-flutterflow-auth"}`,
      type: "google.firebase.auth.user.v2.deleted",
      time: new Date().toISOString(),
      data: fft.auth.makeUserRecord({ uid: created.user.id, email }),
    });

    expect((await credentialOf(email).get()).exists).to.equal(false);
    expect((await db().collection("auth_uid_index").doc(created.user.id).get()).exists).to.equal(false);
    expect((await tokenDoc(created.refresh_token).get()).exists).to.equal(false);
    expect((await db().collection("users").doc(created.user.id).get()).exists).to.equal(true);
  });

  it("end to end: deleting the user through the Auth emulator's own API (as in the console) frees the email - the Functions emulator's 2nd-gen event", async () => {
    const email = uniqueEmail("console");
    const created = authBody(await post("/signup", { email, password }));
    await auth().deleteUser(created.user.id);
    await waitUntil("the Functions emulator's authUserDeleted", async () => !(await credentialOf(email).get()).exists);
    expect((await post("/login", { email, password })).status).to.equal(401);
    expect((await post("/signup", { email, password })).status).to.equal(201);
  });
});
