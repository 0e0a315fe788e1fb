// The local stack: Auth emulator + Functions emulator serving this backend + Firestore: the
// real Firestore emulator (the Cloud CLI's, started directly, with firestore.rules loaded)
// wherever it is installed, else the offline stand-in with a banner naming what is then not
// tested. STACK_FIRESTORE=real|offline forces either (firestore-emulator.mjs).
//
//   node scripts/stack.mjs start             run until Ctrl-C, printing the URLs
//   node scripts/stack.mjs exec -- CMD ...   run CMD against a fresh stack, then stop it;
//                                            exits with CMD's exit code
//
// CMD sees API_URL, STACK_LOG (the emulators' output, exec mode), FIRESTORE_FAULTS_URL (offline
// only), PROJECT_ID, FIREBASE_AUTH_EMULATOR_HOST, FIRESTORE_EMULATOR_HOST, GCLOUD_PROJECT and
// STACK_FIRESTORE (offline | real: the one that runs). Normally called through the npm
// scripts (`npm start`, `npm run stack -- CMD`), which install and build first.
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chooseFirestore, loadRules, offlineBanner, realFirestoreArgs, realFirestoreReady } from "./firestore-emulator.mjs";
import { killGroup, portInUse, waitFor } from "./processes.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const firebaseJson = JSON.parse(readFileSync(join(root, "firebase.json"), "utf8"));
const projectId = JSON.parse(readFileSync(join(root, ".firebaserc"), "utf8")).projects.default;
const host = "127.0.0.1";
const ports = {
  auth: firebaseJson.emulators.auth.port,
  functions: firebaseJson.emulators.functions.port,
  firestore: firebaseJson.emulators.firestore.port,
};
const firestore = chooseFirestore();
const firestoreMode = firestore.mode;
const apiUrl = `http://${host}:${ports.functions}/${projectId}/${functionsRegion()}/auth`;
const binDir = join(root, "node_modules", ".bin");

const logFile = join(root, ".stack", "emulators.log");

// The region the Functions emulator serves the functions at (part of their URL): the AUTH_REGION
// deploy parameter (functions/src/index.ts) as the emulator reads it, from functions/.env, then
// .env.<project id>, then .env.local (a later file wins), else its default.
function functionsRegion() {
  let region = "us-central1";
  for (const name of [".env", `.env.${projectId}`, ".env.local"]) {
    const file = join(root, "functions", name);
    const line = existsSync(file)
      ? /^\s*(?:export\s+)?AUTH_REGION\s*=\s*["']?([a-z0-9-]+)["']?\s*$/m.exec(readFileSync(file, "utf8"))
      : null;
    if (line?.[1] !== undefined) region = line[1];
  }
  return region;
}

// The server secret the function needs (AUTH_HMAC_KEY, a Cloud Functions secret). Locally the
// Functions emulator reads secrets from functions/.secret.local (git-ignored): a fixed value for
// tests is written there when the file has none. Never a production value.
const TEST_HMAC_KEY = "local-emulator-only-hmac-key-not-a-secret-0123456789";
function ensureLocalSecret() {
  const file = join(root, "functions", ".secret.local");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (!/^AUTH_HMAC_KEY=/m.test(current)) {
    appendFileSync(file, `${current === "" || current.endsWith("\n") ? "" : "\n"}AUTH_HMAC_KEY=${TEST_HMAC_KEY}\n`);
  }
  const line = readFileSync(file, "utf8").match(/^AUTH_HMAC_KEY=(.*)$/m);
  return line?.[1] ?? TEST_HMAC_KEY;
}
const stackEnv = {
  API_URL: apiUrl,
  STACK_LOG: logFile,
  PROJECT_ID: projectId,
  GCLOUD_PROJECT: projectId,
  FIREBASE_AUTH_EMULATOR_HOST: `${host}:${ports.auth}`,
  FIRESTORE_EMULATOR_HOST: `${host}:${ports.firestore}`,
  STACK_FIRESTORE: firestoreMode,
  // The same secret for processes the tests start themselves (the Functions Framework).
  AUTH_HMAC_KEY: ensureLocalSecret(),
  // Fault injection into the offline Firestore (scripts/offline-firestore.mjs); absent with the real one.
  ...(firestoreMode === "offline" && { FIRESTORE_FAULTS_URL: `http://${host}:${ports.firestore + 1}/faults` }),
};
const env = {
  ...process.env,
  ...stackEnv,
  PATH: `${binDir}:${process.env.PATH ?? ""}`,
  // No probing of the cloud metadata server (a non-loopback address) for credentials.
  METADATA_SERVER_DETECTION: "none",
  NO_UPDATE_NOTIFIER: "1",
};

const children = [];
let stopping = false;

function log(message) {
  console.log(`[stack] ${message}`);
}

/** Starts a child in its own process group, so stopping it stops its children too. */
function startChild(name, command, args, output) {
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ["ignore", output, output] });
  child.name = name;
  children.push(child);
  child.once("exit", (code, signal) => {
    if (!stopping) {
      log(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the stack`);
      void stop(1);
    }
  });
  return child;
}

/** Ready when the function itself answers (a GET on /login is our JSON 405). */
async function functionAnswers() {
  const response = await fetch(`${apiUrl}/login`);
  const body = await response.json().catch(() => undefined);
  return response.status === 405 && body?.error?.code === "method_not_allowed";
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  log("stopping ...");
  for (const child of [...children].reverse()) await killGroup(child);
  log("stopped");
  process.exit(code);
}

async function startStack(mode) {
  const needed = { ...ports, ...(firestoreMode === "offline" && { "offline Firestore fault switch": ports.firestore + 1 }) };
  for (const [name, port] of Object.entries(needed)) {
    if (await portInUse(host, port)) {
      throw new Error(`port ${port} (${name}) is already in use: is another stack running?`);
    }
  }
  mkdirSync(join(root, ".stack"), { recursive: true });
  const output = mode === "start" ? "inherit" : openSync(logFile, "w");

  if (firestoreMode === "offline") {
    console.warn(offlineBanner(firestore.reason));
    startChild("offline Firestore", "node", [join(root, "scripts", "offline-firestore.mjs"), String(ports.firestore)], output);
    await waitFor(
      "the offline Firestore",
      () => portInUse(host, ports.firestore),
      30_000,
      () => stopping,
    );
  } else {
    log(`Firestore: the real emulator (${firestore.launcher}; ${firestore.java})`);
    startChild("Firestore emulator", firestore.launcher, realFirestoreArgs(host, ports.firestore, projectId), output);
    await waitFor(
      "the Firestore emulator",
      () => realFirestoreReady(host, ports.firestore),
      60_000,
      () => stopping,
    );
    await loadRules(host, ports.firestore, projectId, readFileSync(join(root, firebaseJson.firestore.rules), "utf8"));
    log("Firestore: firestore.rules loaded");
  }
  log(`starting emulators: auth, functions (Firestore: ${firestoreMode}, at ${host}:${ports.firestore})`);
  startChild(
    "firebase emulators",
    join(binDir, "firebase"),
    ["emulators:start", "--only", "auth,functions", "--project", projectId],
    output,
  );
  try {
    await waitFor("the auth function to load", functionAnswers, 180_000, () => stopping);
  } catch (error) {
    if (mode !== "start") log(`emulator output: ${logFile}`);
    throw error;
  }
}

function printUrls() {
  const line = "-".repeat(72);
  console.log(`
${line}
Local stack ready (project ${projectId})
  API (function "auth"):  ${apiUrl}
    POST ${apiUrl}/signup            POST ${apiUrl}/login
    POST ${apiUrl}/refresh           POST ${apiUrl}/logout
    GET|PATCH|DELETE ${apiUrl}/me    POST ${apiUrl}/password/change
  Auth emulator:          http://${host}:${ports.auth}
  Firestore emulator:     ${host}:${ports.firestore}  ${firestoreMode === "real" ? "REAL emulator, firestore.rules loaded" : "OFFLINE STAND-IN: no rules, no isolation (see banner above)"}

Try it:
  curl -s -X POST ${apiUrl}/signup \\
    -H 'Content-Type: application/json' \\
    -d '{"email":"ada@example.com","password":"correct horse battery","name":"Ada"}'

Ctrl-C stops everything.
${line}
`);
}

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  process.on("SIGINT", () => void stop(130));
  process.on("SIGTERM", () => void stop(143));
  if (mode === "start") {
    await startStack("start");
    printUrls();
    return; // runs until a signal
  }
  if (mode === "exec") {
    const command = rest[0] === "--" ? rest.slice(1) : rest;
    if (command.length === 0) throw new Error("usage: stack.mjs exec -- COMMAND [ARGS...]");
    await startStack("exec");
    log(`ready: API_URL=${apiUrl}; running: ${command.join(" ")}`);
    const child = spawn(command[0], command.slice(1), { cwd: process.cwd(), env, stdio: "inherit" });
    const code = await new Promise((resolve) => child.once("exit", (c, s) => resolve(c ?? (s ? 1 : 0))));
    await stop(code);
    return;
  }
  throw new Error("usage: stack.mjs start | exec -- COMMAND [ARGS...]");
}

main().catch(async (error) => {
  console.error(`[stack] ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
});
