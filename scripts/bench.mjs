// Benchmark (not a test): serves the `auth` function the way Cloud Functions 2nd gen does in
// production - the Functions Framework, one Node 22 process - with the Auth emulator and
// Firestore behind it (the real emulator where installed, else the offline stand-in; the same
// choice and STACK_FIRESTORE switch as the stack), and prints ratios measured in this one run:
//   - login and signup latency (p50/p99) and throughput at concurrency 1, 4, 8 (autocannon)
//   - the hash-only ceiling: Argon2id verifications/s at the same parameters and concurrency,
//     on the same CPU as the function (bench-hash.mjs)
//   - login throughput / ceiling, and the CPU of the function process per login in verifications,
//     by thread
//   - fixtures (bench-fixtures/index.js): a bare login (the same Firestore, Auth and Argon2 calls
//     with no project code), the Firestore calls alone and an empty answer, giving this project's
//     own cost and a lower bound no login on this stack can go under; the targets (login >= 95 %
//     of bare's throughput, within 0.1 verifications of its CPU) come from interleaved rounds of
//     ceiling, login and fixtures
//   - cold start against the tutorial shape (bench-fixtures/tutorial: eager firebase-admin,
//     bcryptjs, onRequest): module load (goal <= 1x) and process start -> first successful login
//     answer (goal <= 1.2x), interleaved
//   - peak memory (RSS) of the function process, load results, failed-login timing, import costs
//   - the CPU of one custom token signed locally (TOKEN_SIGNING=key) in verifications (bench-sign.mjs)
// Everything listens on 127.0.0.1 and every load phase is bounded in time.
// Usage: npm run bench -- [--seconds 8] [--shared-cores] [--cold-only]

import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { chooseFirestore, offlineBanner, realFirestoreArgs, realFirestoreReady } from "./firestore-emulator.mjs";
import { cpuByThread, killGroup, portInUse, waitFor as waitUntil } from "./processes.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const functionsDir = join(root, "functions");

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1]) || 8;
/** `--cold-only`: the cold-start comparison alone (about a minute), then stop. */
const coldOnly = args.includes("--cold-only");
const CONCURRENCIES = [1, 4, 8];
const PASSWORD = "correct horse battery staple";
const host = "127.0.0.1";
const ports = { firestore: 8180, auth: 9199, fn: 8190, bare: 8191, empty: 8192, firestoreOnly: 8193, tutorial: 8194 };
const projectId = "demo-flutterflow-auth-bench";
const firestore = chooseFirestore();
const firestoreLabel = firestore.mode === "real" ? "the real Firestore emulator" : "the offline Firestore stand-in";

// CPU layout. The function under test gets CPU 0 to itself, and the hash-only ceiling is measured
// on that same CPU; the stand-ins for remote services (Firestore emulator, Auth emulator) and the
// load generator (this process) run on CPU 1. In production Firestore and Auth are remote and
// an instance has its own vCPU; on two shared cores the stand-ins would take the function's CPU
// and the ratios would measure them too. `--shared-cores` (or a machine without `taskset` or
// a second CPU) runs everything unpinned, as the first version of this bench did.
const pinned = !args.includes("--shared-cores") && availableParallelism() >= 2 && hasTaskset();
const CPU = { function: "0", services: "1" };
function hasTaskset() {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
/** The command line that runs `command` on `cpu` (unchanged when not pinning). */
const onCpu = (cpu, command, argv) => (pinned ? ["taskset", ["-c", cpu, command, ...argv]] : [command, argv]);

const env = {
  ...process.env,
  PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
  GCLOUD_PROJECT: projectId,
  GOOGLE_CLOUD_PROJECT: projectId,
  FIREBASE_AUTH_EMULATOR_HOST: `${host}:${ports.auth}`,
  FIRESTORE_EMULATOR_HOST: `${host}:${ports.firestore}`,
  METADATA_SERVER_DETECTION: "none",
  NODE_ENV: "production",
  AUTH_HMAC_KEY: "bench-only-hmac-key-not-a-secret-0123456789abcdef",
  // The bench logs 16 accounts in thousands of times: with the default cap (50) nearly every
  // login would end an older session. Measured here: the common path, below the cap.
  MAX_SESSIONS_PER_USER: "1000",
  NO_UPDATE_NOTIFIER: "1",
};
const children = [];

function start(name, cpu, command, argv, extraEnv = {}) {
  const [file, fileArgs] = onCpu(cpu, command, argv);
  const child = spawn(file, fileArgs, { cwd: root, env: { ...env, ...extraEnv }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.label = name;
  child.output = "";
  const keep = (chunk) => {
    child.output = (child.output + chunk).slice(-20_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  children.push(child);
  return child;
}

const stopChild = (child) => killGroup(child, 10_000);
const portOpen = (port) => portInUse(host, port);
const waitFor = (what, check, timeoutMs = 120_000) => waitUntil(what, check, timeoutMs);

const fnUrl = `http://${host}:${ports.fn}`;
/** The accounts the login phases use, created through the API at the start. */
const accounts = Array.from({ length: 16 }, (_, i) => `bench.${i}.${randomBytes(3).toString("hex")}@example.com`);
let clientCounter = 0;
/** Each request from its own documentation-range address, so the per-address throttle stays out of the way. */
const nextClientIp = () => {
  clientCounter++;
  return `198.18.${(clientCounter >> 8) & 255}.${clientCounter & 255}`;
};

async function post(path, body, url = fnUrl) {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-For": nextClientIp() },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Serves a function the way Cloud Functions 2nd gen does: the Functions Framework, one process,
 * with FUNCTION_TARGET set to the function's name as Cloud Run sets it.
 */
function serve(target, source, port) {
  return start(
    `functions-framework (${target})`,
    CPU.function,
    "node",
    [
      join(root, "node_modules", "@google-cloud", "functions-framework", "build", "src", "main.js"),
      `--target=${target}`,
      `--source=${source}`,
      `--port=${port}`,
      "--signature-type=http",
    ],
    { FUNCTION_TARGET: target },
  );
}
const startFunction = () => serve("auth", functionsDir, ports.fn);
const tutorialDir = join(root, "scripts", "bench-fixtures", "tutorial");
const tutorialUrl = `http://${host}:${ports.tutorial}`;

/** Milliseconds from spawning a server to its first successful login. */
async function coldStart(startServer, url, path, email) {
  const t0 = performance.now();
  const child = startServer();
  let last = "no answer";
  const loggedIn = async () => {
    last = await post(path, { email, password: PASSWORD }, url);
    return last === 200;
  };
  await waitFor(`the first login at ${url}`, loggedIn, 60_000).catch((error) => {
    throw new Error(`${error.message}; last answer ${last}; ${child.output.slice(-1500)}`);
  });
  const ms = performance.now() - t0;
  await stopChild(child);
  return ms;
}

/** Milliseconds to load `file` in a fresh Node process, as the Functions Framework would (FUNCTION_TARGET set). */
function moduleLoadMs(file, functionTarget) {
  const code = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const [bin, argv] = onCpu(CPU.function, "node", ["-e", code]);
  return Number(execFileSync(bin, argv, { cwd: root, env: { ...env, FUNCTION_TARGET: functionTarget }, encoding: "utf8" }));
}

/** What the codebase's two other functions add to loading `auth`: their providers, loaded after https's. */
function otherProvidersMs() {
  const code = [
    'require("firebase-functions/v2/https");',
    "const t=process.hrtime.bigint();",
    'require("firebase-functions/v2/identity");require("firebase-functions/v2/scheduler");',
    "process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))",
  ].join("");
  const [bin, argv] = onCpu(CPU.function, "node", ["-e", code]);
  return Number(execFileSync(bin, argv, { cwd: functionsDir, env, encoding: "utf8" }));
}

function peakRssMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** The hash-only ceiling, on the function's CPU: see bench-hash.mjs. */
function hashCeiling(concurrency, durationMs) {
  const [file, argv] = onCpu(CPU.function, "node", [join(root, "scripts", "bench-hash.mjs"), String(concurrency), String(durationMs)]);
  return JSON.parse(execFileSync(file, argv, { cwd: root, env, encoding: "utf8" }));
}

/** CPU of one custom token, local RS256 (TOKEN_SIGNING=key) and unsigned, against one verification, on the function's CPU: see bench-sign.mjs. */
function signingCost() {
  const [file, argv] = onCpu(CPU.function, "node", [join(root, "scripts", "bench-sign.mjs"), "--json"]);
  return JSON.parse(execFileSync(file, argv, { cwd: root, env, encoding: "utf8" }));
}

/** POSTs `bodies(i)` for `run` (a duration in seconds, or an amount of requests). */
function load(path, connections, bodies, url = fnUrl, run = { duration: seconds }) {
  let i = 0;
  return autocannon({
    url: `${url}${path}`,
    connections,
    ...run,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        // Every request from its own address, as Google's front end reports it (X-Forwarded-For):
        // login then reads all three throttle counters, as in production.
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, "x-forwarded-for": nextClientIp() },
          body: JSON.stringify(bodies(i++)),
        }),
      },
    ],
  });
}

/** Logins at concurrency `c` for one phase, with the CPU the serving process spent on them. */
async function measureLogins(pid, url, c, path = "/login", duration = seconds) {
  const before = cpuByThread(pid);
  const result = await load(path, c, (i) => ({ email: accounts[i % accounts.length], password: PASSWORD }), url, { duration });
  const after = cpuByThread(pid);
  const ok = result["2xx"];
  const cpu = { main: after.main - before.main, pool: after.pool - before.pool, other: after.other - before.other };
  const ms = (kind) => (1000 * cpu[kind]) / ok;
  const split = { main: ms("main"), pool: ms("pool"), other: ms("other") };
  return { login: result, cpu, cpuPerLogin: (split.main + split.pool + split.other) / 1000, split };
}

const emptyTally = () => ({ ok: 0, failed: 0, seconds: 0, main: 0, pool: 0, other: 0 });
function addTally(tally, { login, cpu }) {
  tally.ok += login["2xx"];
  tally.failed += login.non2xx + login.errors + login.timeouts;
  tally.seconds += login.duration;
  tally.main += cpu.main;
  tally.pool += cpu.pool;
  tally.other += cpu.other;
}

/** Milliseconds to load one module in a fresh Node process (median of three). */
function importCostMs(specifier) {
  const code = `const t=process.hrtime.bigint();require(${JSON.stringify(specifier)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const runs = [0, 1, 2].map(() => Number(execFileSync("node", ["-e", code], { cwd: functionsDir, env, encoding: "utf8" })));
  return runs.sort((a, b) => a - b)[1];
}

const IMPORTS = [
  ["firebase-functions/v2/https", "declares the function (loaded at cold start)"],
  ["zod", "config and request validation (cold start)"],
  ["cors", "CORS (cold start)"],
  ["firebase-admin/app", "first request"],
  ["firebase-admin/auth", "first request: custom tokens, Auth users"],
  ["firebase-admin/firestore", "first request: Firestore client (gRPC)"],
  ["@node-rs/argon2", "first request: hashing"],
  ["@zxcvbn-ts/language-common/dist/passwords.json.cjs", "first signup only: password blocklist"],
];

const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");

/** The cold-start comparison against the tutorial shape. */
function printColdStart(colds, loads, runs) {
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const coldRatio = median(colds.auth) / median(colds.tutorial);
  const loadRatio = median(loads.auth) / median(loads.tutorial);
  console.log(
    `\ncold start, against the tutorial shape (bench-fixtures/tutorial: eager firebase-admin, bcryptjs, onRequest), interleaved:`,
  );
  console.log(
    `  module load (fresh process, FUNCTION_TARGET set, median of 7): auth ${fmt(median(loads.auth), 0)} ms, tutorial ${fmt(median(loads.tutorial), 0)} ms ` +
      `= ${fmt(loadRatio, 2)}x (goal: <= 1.00x); the other two functions' providers add ${fmt(median(loads.others), 1)} ms`,
  );
  console.log(
    `  process start -> first successful login (median of ${runs}): auth ${fmt(median(colds.auth), 0)} ms, tutorial ${fmt(median(colds.tutorial), 0)} ms ` +
      `= ${fmt(coldRatio, 2)}x (goal: <= 1.20x)`,
  );
  console.log(
    `  runs: auth ${colds.auth.map((x) => fmt(x, 0)).join(", ")} ms; tutorial ${colds.tutorial.map((x) => fmt(x, 0)).join(", ")} ms`,
  );
}

async function main() {
  for (const port of Object.values(ports)) {
    if (await portOpen(port)) throw new Error(`port ${port} is in use`);
  }
  console.log(`bench: ${seconds}s per phase; Node ${process.version}; Argon2id m=19456 t=2 p=1; Firestore: ${firestoreLabel}\n`);
  if (firestore.mode === "offline") console.warn(offlineBanner(firestore.reason));
  if (pinned) execFileSync("taskset", ["-a", "-p", "-c", CPU.services, String(process.pid)], { stdio: "ignore" });
  console.log(
    pinned
      ? `layout: the function and the hash ceiling on CPU ${CPU.function}; ${firestoreLabel}, Auth emulator and load generator on CPU ${CPU.services}\n`
      : "layout: everything shares every CPU (--shared-cores, or no taskset / single CPU)\n",
  );
  if (firestore.mode === "real") {
    start("Firestore emulator", CPU.services, firestore.launcher, realFirestoreArgs(host, ports.firestore, projectId));
  } else {
    start("offline Firestore", CPU.services, "node", [join(root, "scripts", "offline-firestore.mjs"), String(ports.firestore)]);
  }
  start("auth emulator", CPU.services, join(root, "node_modules", ".bin", "firebase"), [
    "emulators:start",
    "--only",
    "auth",
    "--project",
    projectId,
    "--config",
    join(root, "scripts", "bench.firebase.json"),
  ]);
  await waitFor(firestoreLabel, () => (firestore.mode === "real" ? realFirestoreReady(host, ports.firestore) : portOpen(ports.firestore)));
  await waitFor("Auth emulator", () => portOpen(ports.auth));

  // Accounts to log in with, created through the API by a first function process.
  let fn = startFunction();
  await waitFor("function", async () => (await post("/login", {})) === 400);
  for (const email of accounts) {
    const status = await post("/signup", { email, password: PASSWORD });
    if (status !== 201) throw new Error(`signup of a bench account failed: ${status}`);
  }
  await stopChild(fn);

  // The tutorial shape's accounts (the same Auth emulator: other emails), through its own signup.
  const tutorialAccounts = accounts.map((email) => `tutorial.${email}`);
  const tutorialSignup = serve("tutorialSignup", tutorialDir, ports.tutorial);
  await waitFor("tutorial signup", () => portOpen(ports.tutorial));
  for (const email of tutorialAccounts) {
    const status = await post("/", { email, password: PASSWORD }, tutorialUrl);
    if (status !== 201) throw new Error(`tutorial signup failed: ${status}`);
  }
  await stopChild(tutorialSignup);

  // Cold start against the tutorial shape, interleaved (auth, tutorial, auth, ...): process
  // start -> first successful login under the Functions Framework, and the module load alone.
  const COLD_RUNS = 5;
  const colds = { auth: [], tutorial: [] };
  const loads = { auth: [], tutorial: [], others: [] };
  for (let k = 0; k < COLD_RUNS; k++) {
    colds.auth.push(await coldStart(startFunction, fnUrl, "/login", accounts[k % accounts.length]));
    colds.tutorial.push(
      await coldStart(() => serve("tutorialLogin", tutorialDir, ports.tutorial), tutorialUrl, "/", tutorialAccounts[k % accounts.length]),
    );
  }
  for (let k = 0; k < 7; k++) {
    loads.auth.push(moduleLoadMs(join(functionsDir, "lib", "index.js"), "auth"));
    loads.tutorial.push(moduleLoadMs(join(tutorialDir, "index.js"), "tutorialLogin"));
    loads.others.push(otherProvidersMs());
  }
  if (coldOnly) {
    printColdStart(colds, loads, COLD_RUNS);
    return;
  }
  fn = startFunction();
  await waitFor("function", async () => (await post("/login", {})) === 400);

  const rows = [];
  for (const c of CONCURRENCIES) {
    const ceiling = hashCeiling(c, seconds * 1000);
    const login = await measureLogins(fn.pid, fnUrl, c);
    const signup = await load("/signup", c, () => ({ email: `bench.s.${randomBytes(6).toString("hex")}@example.com`, password: PASSWORD }));
    rows.push({ c, ceiling, signup, ...login });
  }

  // The targets, at concurrency 8, from interleaved rounds (ceiling, login, fixtures) so that
  // the machine's speed drifting during the run affects them alike. The fixtures
  // (bench-fixtures/index.js) are served the same way on the same CPU.
  const fixtures = {
    bare: { port: ports.bare, note: "same calls as login, no project code" },
    firestore: { port: ports.firestoreOnly, note: "bare's Firestore calls only" },
    empty: { port: ports.empty, note: "a JSON answer, nothing else" },
  };
  for (const [target, fixture] of Object.entries(fixtures)) {
    fixture.child = serve(target, join(root, "scripts", "bench-fixtures"), fixture.port);
    fixture.url = `http://${host}:${fixture.port}`;
    fixture.tally = emptyTally();
    await waitFor(`${target} function`, () => portOpen(fixture.port));
    for (let k = 0; k < 20; k++) {
      const status = await post("/", { email: accounts[k % accounts.length], password: PASSWORD }, fixture.url);
      if (status !== 200) throw new Error(`${target} function answered ${status}`);
    }
  }
  // Each round: the ceiling, then the four servers in an order rotated by one per round, so
  // that no server always runs right after the ceiling or right after another one.
  const ROUNDS = 4;
  const phaseSeconds = Math.max(2, Math.round(seconds / 2));
  const sum = { verifies: 0, verifySeconds: 0, verifyCpu: 0, login: emptyTally() };
  const servers = [
    { pid: fn.pid, url: fnUrl, path: "/login", tally: sum.login },
    ...Object.values(fixtures).map((f) => ({ pid: f.child.pid, url: f.url, path: "/", tally: f.tally })),
  ];
  for (let round = 0; round < ROUNDS; round++) {
    const ceiling = hashCeiling(8, phaseSeconds * 1000);
    const verifies = ceiling.perSecond * phaseSeconds;
    sum.verifies += verifies;
    sum.verifySeconds += phaseSeconds;
    sum.verifyCpu += ceiling.cpuPerVerify * verifies;
    for (let k = 0; k < servers.length; k++) {
      const server = servers[(k + round) % servers.length];
      addTally(server.tally, await measureLogins(server.pid, server.url, 8, server.path, phaseSeconds));
    }
  }
  for (const fixture of Object.values(fixtures)) await stopChild(fixture.child);
  const verifyCpu = sum.verifyCpu / sum.verifies;
  const ceilingRate = sum.verifies / sum.verifySeconds;
  const target = (t) => ({
    throughput: (100 * t.ok) / t.seconds / ceilingRate,
    cpu: (t.main + t.pool + t.other) / t.ok / verifyCpu,
    split: { main: (1000 * t.main) / t.ok, pool: (1000 * t.pool) / t.ok, other: (1000 * t.other) / t.ok },
    failed: t.failed,
  });
  const targets = { login: target(sum.login), bare: target(fixtures.bare.tally) };
  const cpuMs = (tally) => (1000 * (tally.main + tally.pool + tally.other)) / tally.ok;
  // Load (bounded, loopback only): correctness under concurrency, status counts, memory.
  const statusCounts = (result) => {
    const counts = {};
    for (const [code, n] of Object.entries(result.statusCodeStats ?? {})) counts[code] = n.count;
    if (result.errors > 0) counts.errors = result.errors;
    if (result.timeouts > 0) counts.timeouts = result.timeouts;
    return counts;
  };
  const sameEmail = `bench.race.${randomBytes(4).toString("hex")}@example.com`;
  // Each from its own network (signups are limited per network), each with its own password:
  // the same signup sent again (same password) would sign in to the account instead (signup.ts).
  const race = await load("/signup", 50, (i) => ({ email: sameEmail, password: `${PASSWORD} ${i}` }), fnUrl, { amount: 50 });
  const burst = await load(
    "/login",
    64,
    () => ({ email: accounts[Math.floor(Math.random() * accounts.length)], password: PASSWORD }),
    fnUrl,
    { amount: 500 },
  );
  const family = await fetch(`${fnUrl}/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-For": nextClientIp() },
    body: JSON.stringify({ email: accounts[0], password: PASSWORD }),
  }).then((r) => r.json());
  const refreshReplies = await Promise.all(
    Array.from({ length: 20 }, () =>
      fetch(`${fnUrl}/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: family.refresh_token }),
      }).then(async (r) => ({ status: r.status, token: (await r.json().catch(() => ({}))).refresh_token })),
    ),
  );
  const refreshStatuses = refreshReplies.map((r) => r.status);
  const successors = new Set(refreshReplies.filter((r) => r.status === 200).map((r) => r.token)).size;
  const peak = peakRssMiB(fn.pid);

  // Enumeration by timing: medians of "unknown email" and "wrong password" failures, interleaved.
  const timings = { unknown: [], wrong: [] };
  for (let i = 0; i < 24; i++) {
    for (const kind of i % 2 === 0 ? ["unknown", "wrong"] : ["wrong", "unknown"]) {
      const email = kind === "unknown" ? `nobody.${randomBytes(6).toString("hex")}@example.com` : accounts[i % accounts.length];
      const t0 = performance.now();
      const status = await post("/login", { email, password: `${PASSWORD}!` });
      if (status !== 401) throw new Error(`expected 401 for a ${kind} login, got ${status}`);
      timings[kind].push(performance.now() - t0);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  console.log(
    "concurrency | login req/s  p50 ms  p99 ms  non-2xx | signup req/s  p50 ms  p99 ms  non-2xx | hash-only verify/s | login/ceiling | CPU per login (verifications)",
  );
  for (const { c, ceiling, login, signup, cpuPerLogin } of rows) {
    const bad = (r) => r.non2xx + r.errors + r.timeouts;
    console.log(
      `${String(c).padStart(11)} | ${fmt(login.requests.average).padStart(11)} ${fmt(login.latency.p50).padStart(7)} ${fmt(login.latency.p99).padStart(7)} ${String(bad(login)).padStart(8)} | ` +
        `${fmt(signup.requests.average).padStart(12)} ${fmt(signup.latency.p50).padStart(7)} ${fmt(signup.latency.p99).padStart(7)} ${String(bad(signup)).padStart(8)} | ` +
        `${fmt(ceiling.perSecond).padStart(18)} | ${fmt((100 * login.requests.average) / ceiling.perSecond, 0).padStart(12)} % | ` +
        `${fmt(cpuPerLogin / ceiling.cpuPerVerify, 2)}`,
    );
  }
  const splitText = ({ main, pool, other }) =>
    `JS main thread ${fmt(main)}, libuv pool (Argon2) ${fmt(pool)}, other threads (GC, compiler) ${fmt(other)}`;
  console.log("\nCPU of the serving process per login, by thread (ms; one verification = the ceiling's pool CPU per verification):");
  for (const { c, ceiling, split } of rows) {
    console.log(`  login, concurrency ${c}: ${splitText(split)}; one verification ${fmt(1000 * ceiling.cpuPerVerify)}`);
  }
  console.log(
    `\nconcurrency 8, ${ROUNDS} interleaved rounds of ${phaseSeconds} s each (ceiling, then login, ${Object.keys(fixtures).join(", ")} ` +
      `in rotated order; the last three from bench-fixtures/index.js); one verification ${fmt(1000 * verifyCpu)} ms of CPU:`,
  );
  console.log(`  login: ${splitText(targets.login.split)}`);
  for (const [target, fixture] of Object.entries(fixtures)) {
    const t = fixture.tally;
    console.log(`  ${target} (${fixture.note}): ${fmt(t.ok / t.seconds)} req/s, ${fmt(cpuMs(t))} ms of CPU per request`);
  }
  const frameworkMs = cpuMs(fixtures.empty.tally);
  const firestoreMs = cpuMs(fixtures.firestore.tally) - frameworkMs;
  const bareMs = cpuMs(fixtures.bare.tally);
  const lowerBound = (frameworkMs + firestoreMs) / (1000 * verifyCpu) + 1;
  console.log(
    `  bare login: Functions Framework request ${fmt(frameworkMs)} ms + Firestore getAll and create ${fmt(firestoreMs)} ms + ` +
      `one verification ${fmt(1000 * verifyCpu)} ms + the rest (custom token, JSON, pool bookkeeping) ${fmt(bareMs - frameworkMs - firestoreMs - 1000 * verifyCpu)} ms`,
  );
  console.log(
    `  lower bound of any login here (request + Firestore calls + one verification): ${fmt(lowerBound, 2)} verifications of CPU, ` +
      `so at most ${fmt(100 / lowerBound, 0)} % of the ceiling`,
  );
  console.log(
    `  this project's own code per login (login - bare): ${fmt(cpuMs(sum.login) - bareMs)} ms of CPU = ${fmt(targets.login.cpu - targets.bare.cpu, 2)} verifications`,
  );
  printColdStart(colds, loads, COLD_RUNS);
  console.log(`function process peak RSS: ${fmt(peak, 0)} MiB (whole run, load included)`);
  console.log("\nload:");
  console.log(
    `  50 concurrent signups of one email, 50 passwords: ${JSON.stringify(statusCounts(race))} ` +
      "(want one 201; the rest 409, or 429 where their password checks on the new account pass the burst allowance)",
  );
  console.log(
    `  500 logins over ${accounts.length} accounts at concurrency 64: ${JSON.stringify(statusCounts(burst))}, ` +
      `p50 ${fmt(burst.latency.p50, 0)} ms, p99 ${fmt(burst.latency.p99, 0)} ms (want only 200, no 5xx)`,
  );
  const tally = {};
  for (const code of refreshStatuses) tally[code] = (tally[code] ?? 0) + 1;
  console.log(
    `  20 concurrent refreshes of one token: ${JSON.stringify(tally)}, ${successors} distinct new token(s) (want all 200 with ONE new token: the reuse interval)`,
  );
  const mu = median(timings.unknown);
  const mw = median(timings.wrong);
  console.log(
    `failed-login timing (24 each, interleaved): unknown email median ${fmt(mu)} ms, wrong password median ${fmt(mw)} ms, ` +
      `difference ${fmt((100 * Math.abs(mu - mw)) / Math.min(mu, mw), 0)} % (target: within 20 %)`,
  );
  console.log("\nimport cost of each runtime dependency (fresh process, median of 3):");
  for (const [specifier, when] of IMPORTS) console.log(`  ${fmt(importCostMs(specifier), 0).padStart(5)} ms  ${specifier}  (${when})`);
  const sign = signingCost();
  console.log(
    `\ncustom-token signing (bench-sign.mjs): local RS256 with a key (TOKEN_SIGNING=key) ${fmt(sign.rs256Ms, 2)} ms of CPU, ` +
      `unsigned (the emulator's, in every number above) ${fmt(sign.unsignedMs, 3)} ms: local signing costs ` +
      `${fmt(100 * sign.rs256OverVerify, 1)} % of one password verification (IAM signBlob, the default: a network round trip instead)`,
  );
  console.log(
    `\ntargets at concurrency 8 (interleaved rounds; ${pinned ? "function on its own CPU" : "shared CPUs"}), relative to the bare fixture:`,
  );
  console.log(
    `  login throughput >= 95 % of bare's: ${fmt((100 * targets.login.throughput) / targets.bare.throughput, 0)} % ` +
      `(login ${fmt(targets.login.throughput, 0)} %, bare ${fmt(targets.bare.throughput, 0)} % of the hash-only ceiling; best possible here ${fmt(100 / lowerBound, 0)} %)`,
  );
  console.log(
    `  CPU per login within 0.1 verifications of bare's: ${targets.login.cpu - targets.bare.cpu >= 0 ? "+" : ""}${fmt(targets.login.cpu - targets.bare.cpu, 2)} ` +
      `(login ${fmt(targets.login.cpu, 2)}, bare ${fmt(targets.bare.cpu, 2)} verifications; lower bound ${fmt(lowerBound, 2)})`,
  );
  if (targets.login.failed + targets.bare.failed > 0)
    console.log(`  (non-2xx answers: login ${targets.login.failed}, bare ${targets.bare.failed})`);
  console.log(
    pinned
      ? `\nFirestore (${firestoreLabel}) and the Auth emulator run on the other CPU, as remote services would.`
      : `\nNote: the Auth emulator and Firestore (${firestoreLabel}) share the CPUs with the function; in production they are remote.`,
  );
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
  for (const child of children) if (child.output) console.error(`--- ${child.label} (last output) ---\n${child.output.slice(-3000)}`);
  process.exitCode = 1;
} finally {
  for (const child of children.reverse()) await stopChild(child);
}
