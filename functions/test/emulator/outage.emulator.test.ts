import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { join } from "node:path";
import { credentialOf, errorCode, fetchReply, type Reply, uniqueEmail } from "./helpers.js";

// Firebase Auth going away mid-run. The stack's Auth emulator lives inside the same
// `firebase emulators:start` as the Functions emulator and cannot be stopped alone, so this test
// runs its own pair - an Auth emulator and the function under the Functions Framework (as in
// production) - against the stack's Firestore, stops the Auth emulator, and starts it again.
const root = join(__dirname, "..", "..", "..");
const AUTH_PORT = 9199; // scripts/bench.firebase.json: its own hub and logging ports too
const FN_PORT = 8290;
const fnUrl = `http://127.0.0.1:${FN_PORT}`;
const password = "correct horse battery staple";

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function start(command: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(command, args, { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: "ignore" });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid, "SIGINT");
  const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

const startAuth = () =>
  start(join(root, "node_modules", ".bin", "firebase"), [
    "emulators:start", "--only", "auth", "--project", process.env["PROJECT_ID"] ?? "demo-flutterflow-auth",
    "--config", join(root, "scripts", "bench.firebase.json"),
  ], {});

const post = (path: string, body: unknown): Promise<Reply> =>
  fetchReply(`${fnUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-For": "198.51.100.77" },
    body: JSON.stringify(body),
  });

describe("Firebase Auth going away mid-run (own Auth emulator + Functions Framework)", function () {
  this.timeout(180_000);
  let auth: ChildProcess | undefined;
  let fn: ChildProcess | undefined;

  before(async () => {
    for (const port of [AUTH_PORT, FN_PORT]) {
      if (await portOpen(port)) throw new Error(`port ${port} is in use`);
    }
    auth = startAuth();
    await waitFor("the Auth emulator", () => portOpen(AUTH_PORT));
    fn = start("node", [
      join(root, "node_modules", "@google-cloud", "functions-framework", "build", "src", "main.js"),
      "--target=auth", `--source=${join(root, "functions")}`, `--port=${FN_PORT}`, "--signature-type=http",
    ], { FIREBASE_AUTH_EMULATOR_HOST: `127.0.0.1:${AUTH_PORT}`, NODE_ENV: "production", METADATA_SERVER_DETECTION: "none" });
    await waitFor("the function", async () => (await post("/login", {})).status === 400);
  });

  after(async () => {
    await stop(fn);
    await stop(auth);
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
    await stop(auth);

    const reply = await post("/signup", { email, password });
    expect([reply.status, errorCode(reply)], reply.text).to.deep.equal([503, "unavailable"]);
    expect(reply.headers.get("retry-after")).to.equal("1");
    expect((await credentialOf(email).get()).exists, "the Firestore writes were undone").to.equal(false);
    // A signed-in call needs Auth to check the token (under the emulator firebase-admin always asks it).
    const me = await fetch(`${fnUrl}/me`, { headers: { Authorization: `Bearer ${idToken}`, "X-Forwarded-For": "198.51.100.77" } });
    expect(me.status, await me.text()).to.equal(503);

    auth = startAuth();
    await waitFor("the Auth emulator again", () => portOpen(AUTH_PORT));
    const again = await post("/signup", { email, password });
    expect(again.status, again.text).to.equal(201);
  });
});
