import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { portOpen, root, serveFunction, startProcess, stopProcess, waitFor, type Served } from "./framework.js";
import { credentialOf, errorCode, uniqueEmail } from "./helpers.js";

// Firebase Auth going away mid-run. The stack's Auth emulator lives inside the same
// `firebase emulators:start` as the Functions emulator and cannot be stopped alone, so this test
// runs its own pair - an Auth emulator and the function under the Functions Framework (as in
// production) - against the stack's Firestore, stops the Auth emulator, and starts it again.
const AUTH_PORT = 9199; // scripts/bench.firebase.json: its own hub and logging ports too
const FN_PORT = 8290;
const password = "correct horse battery staple";

const startAuth = () =>
  startProcess(join(root, "node_modules", ".bin", "firebase"), [
    "emulators:start", "--only", "auth", "--project", process.env["PROJECT_ID"] ?? "demo-flutterflow-auth",
    "--config", join(root, "scripts", "bench.firebase.json"),
  ], {});

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

  it("signup answers 503 while Auth is down, leaving nothing behind; after it returns the same email signs up", async () => {
    const first = await post("/signup", { email: uniqueEmail("before"), password });
    expect(first.status).to.equal(201);
    const exchange = await fetch(
      `http://127.0.0.1:${AUTH_PORT}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=fake-api-key`,
      { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: (first.json as { jwt_token: string }).jwt_token, returnSecureToken: true }) },
    );
    const { idToken } = (await exchange.json()) as { idToken: string };
    const email = uniqueEmail("outage");
    await stopProcess(auth);

    const reply = await post("/signup", { email, password });
    expect([reply.status, errorCode(reply)], reply.text).to.deep.equal([503, "unavailable"]);
    expect(reply.headers.get("retry-after")).to.equal("1");
    expect((await credentialOf(email).get()).exists, "the Firestore writes were undone").to.equal(false);
    // A signed-in call needs Auth to check the token (under the emulator firebase-admin always asks it).
    const me = await fetch(`${fn?.url ?? ""}/me`, { headers: { Authorization: `Bearer ${idToken}`, "X-Forwarded-For": "198.51.100.77" } });
    expect(me.status, await me.text()).to.equal(503);

    auth = startAuth();
    await waitFor("the Auth emulator again", () => portOpen(AUTH_PORT));
    const again = await post("/signup", { email, password });
    expect(again.status, again.text).to.equal(201);
  });
});
