import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { expect } from "chai";
import { DEADLINES } from "../../src/config.js";
import { portOpen, root, type Served, serveFunction, startProcess, stopProcess, waitFor } from "./framework.js";
import { credentialOf, errorCode, fetchReply, type Reply, uniqueEmail } from "./helpers.js";

// Firebase Auth going away mid-run. The stack's Auth emulator lives inside the same
// `firebase emulators:start` as the Functions emulator and cannot be stopped alone, so this test
// runs its own pair - an Auth emulator and the function under the Functions Framework (as in
// production) - against the stack's Firestore, and stops the Auth emulator (connections refused)
// then freezes it (SIGSTOP: connections accepted, never answered).
const AUTH_PORT = 9199; // scripts/bench.firebase.json: its own hub and logging ports too
const FN_PORT = 8290;
const password = "correct horse battery staple";

const startAuth = () =>
  startProcess(
    join(root, "node_modules", ".bin", "firebase"),
    [
      "emulators:start",
      "--only",
      "auth",
      "--project",
      process.env.PROJECT_ID ?? "demo-flutterflow-auth",
      "--config",
      join(root, "scripts", "bench.firebase.json"),
    ],
    {},
  );

describe("Firebase Auth going away mid-run (own Auth emulator + Functions Framework)", function () {
  this.timeout(180_000);
  let auth: ChildProcess | undefined;
  let fn: Served | undefined;
  const post = (path: string, body: unknown) => {
    if (fn === undefined) throw new Error("the function is not running");
    return fn.post(path, body);
  };

  before(async () => {
    for (const port of [AUTH_PORT, FN_PORT]) {
      if (await portOpen(port)) throw new Error(`port ${port} is in use`);
    }
    auth = startAuth();
    await waitFor("the Auth emulator", () => portOpen(AUTH_PORT));
    fn = await serveFunction(FN_PORT, { FIREBASE_AUTH_EMULATOR_HOST: `127.0.0.1:${AUTH_PORT}` });
  });

  after(async () => {
    await stopProcess(fn?.process);
    await stopProcess(auth);
  });

  /** An ID token of a fresh account, from this test's Auth emulator. */
  async function signedIn(): Promise<string> {
    const first = await post("/signup", { email: uniqueEmail("before"), password });
    expect(first.status, first.text).to.equal(201);
    const exchange = await fetch(
      `http://127.0.0.1:${AUTH_PORT}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=fake-api-key`,
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token: (first.json as { jwt_token: string }).jwt_token, returnSecureToken: true }),
      },
    );
    return ((await exchange.json()) as { idToken: string }).idToken;
  }

  const me = (idToken: string) =>
    fetchReply(`${fn?.url ?? ""}/me`, { headers: { Authorization: `Bearer ${idToken}`, "X-Forwarded-For": "198.51.100.77" } });

  /** A signup whose Auth step could not complete: 503, and the account kept for the retry. */
  async function expectKeptForRetry(email: string, reply: Reply, startedAt: number): Promise<string> {
    expect([reply.status, errorCode(reply)], reply.text).to.deep.equal([503, "unavailable"]);
    expect(reply.headers.get("retry-after")).to.equal("1");
    expect(Date.now() - startedAt, "answered within the request budget").to.be.at.most(DEADLINES.requestMs + 2_000);
    // Not undone: Auth may still create the user it was asked for, and an undo now could leave
    // that user alone, holding the email. The account waits, marked unsynced, for the retry.
    const credential = await credentialOf(email).get();
    expect([credential.exists, credential.get("auth_user_synced")]).to.deep.equal([true, false]);
    return String(credential.get("uid"));
  }

  it("Auth refusing connections: signup 503 in bounded time, signed-in calls 503; back, the same signup signs in to the same account", async () => {
    const idToken = await signedIn();
    const email = uniqueEmail("outage");
    await stopProcess(auth);

    const startedAt = Date.now();
    const uid = await expectKeptForRetry(email, await post("/signup", { email, password }), startedAt);
    // A signed-in call needs Auth to check the token (under the emulator firebase-admin always asks it).
    expect((await me(idToken)).status).to.equal(503);

    auth = startAuth();
    await waitFor("the Auth emulator again", () => portOpen(AUTH_PORT));
    const again = await post("/signup", { email, password });
    expect(again.status, again.text).to.equal(201);
    expect((again.json as { user: { id: string } }).user.id, "the account the first attempt made").to.equal(uid);
    expect((await credentialOf(email).get()).get("auth_user_synced")).to.equal(true);
    expect((await post("/signup", { email, password: "another horse battery staple" })).status, "another password").to.equal(409);
  });

  it("Auth silent (frozen): signup and signed-in calls 503 within the budget; thawed, it serves at once and the signup completes", async () => {
    const idToken = await signedIn();
    const email = uniqueEmail("silent");
    if (auth?.pid !== undefined) process.kill(-auth.pid, "SIGSTOP");
    let thawed = false;
    try {
      const startedAt = Date.now();
      const [signup, signedInCall] = await Promise.all([post("/signup", { email, password }), me(idToken)]);
      const uid = await expectKeptForRetry(email, signup, startedAt);
      expect([signedInCall.status, errorCode(signedInCall)], signedInCall.text).to.deep.equal([503, "unavailable"]);
      if (auth?.pid !== undefined) process.kill(-auth.pid, "SIGCONT");
      thawed = true;
      const thawedAt = Date.now();
      const meAgain = await me(idToken);
      expect(meAgain.status, meAgain.text).to.equal(200);
      console.log(`      the first signed-in call after the thaw answered in ${Date.now() - thawedAt} ms`);
      // The request the frozen Auth received may land now, after the 503: the retry finds it or makes it.
      const again = await post("/signup", { email, password });
      expect(again.status, again.text).to.equal(201);
      expect((again.json as { user: { id: string } }).user.id).to.equal(uid);
      expect((await credentialOf(email).get()).get("auth_user_synced")).to.equal(true);
    } finally {
      if (!thawed && auth?.pid !== undefined) process.kill(-auth.pid, "SIGCONT");
    }
  });
});
