// Benchmark (not a test): serves the `auth` function the way Cloud Functions 2nd gen does in
// production - the Functions Framework, one Node 22 process - with the Auth emulator and
// Firestore behind it, and prints the targets of issue 22 with measured values, "met" or
// "NOT met" (never a timed test: nothing fails):
//   1. CPU per login <= 1.15 verifications, and p50 login latency beyond one verification
//      <= 10 ms, against the `hash` fixture (bench-fixtures/index.js: an HTTP handler that reads
//      the body and runs ONE Argon2id verification with the project's parameters). One
//      verification = the pool CPU per verification of the hash-only ceiling (bench-hash.mjs) on
//      the same CPU. CPU at concurrency 8, latency at concurrency 1, from interleaved rounds.
//      On the offline Firestore stand-in (the targets' reference) and on the real emulator
//      beside it: without STACK_FIRESTORE, both where the real one is installed (stand-in first);
//      STACK_FIRESTORE=offline|real measures only that one.
//   2. Firestore round trips and operations per request, read from docs/operations.json (counted
//      by functions/test/emulator/operations.emulator.test.ts, not here).
//   3. Capacity: logins per second of one instance (the function pinned to one CPU) at 8, 16,
//      32 and 80 requests in flight, p50/p99 and peak RSS, and the `concurrency` setting the
//      numbers support for `auth` (functions/src/index.ts).
// Also: cold start against the tutorial shape (bench-fixtures/tutorial), peak memory,
// correctness under concurrency, failed-login timing, import costs, local token signing.
// Everything listens on 127.0.0.1 and every load phase is bounded in time.
// Usage: npm run bench -- [--seconds 8] [--shared-cores] [--cold-only] [--compare DIR]
// --compare DIR: also serves the `auth` function built in DIR (another build's functions folder,
// say a git worktree of an earlier commit with both installs, the root's and the functions', and
// built: without the root's, that build cannot find the Functions Framework to cap its bodies
// and logs body_cap_not_applied) on the same Firestore, Auth emulator and CPU, and adds its
// logins at 8 and at 1 to the interleaved rounds: this build's login against that one's, CPU and
// latency, in one run (the machine's drift cancels out).

import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { chooseFirestore, offlineBanner, realFirestoreArgs, realFirestoreReady } from "./firestore-emulator.mjs";
import { cpuByThread, killGroup, portInUse, sleep, waitFor as waitUntil } from "./processes.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const functionsDir = join(root, "functions");
const fixturesDir = join(root, "scripts", "bench-fixtures");

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1]) || 8;
/** `--cold-only`: the cold-start comparison alone (about a minute), then stop. */
const coldOnly = args.includes("--cold-only");
/** `--compare DIR`: another build's functions folder, measured beside this one (see the usage above). */
const compareDir = args.includes("--compare") ? resolve(args[args.indexOf("--compare") + 1] ?? "") : undefined;
if (compareDir !== undefined && !existsSync(join(compareDir, "lib", "index.js"))) {
  throw new Error(`--compare ${compareDir}: no lib/index.js there (install and build that functions folder first)`);
}
const PASSWORD = "correct horse battery staple";
const host = "127.0.0.1";
const ports = { firestore: 8180, auth: 9199, fn: 8190, hash: 8191, empty: 8192, firestoreOnly: 8193, tutorial: 8194, compare: 8195 };
const projectId = "demo-flutterflow-auth-bench";

/** Issue 22's targets. */
const TARGETS = {
  cpuVerifications: 1.15,
  latencyBeyondMs: 10,
  roundTripsBeforeHash: 2,
  roundTripsAfterHash: 1,
  trustedReads: 3,
  trustedWrites: 2,
};
/** Interleaved rounds for target 1: each the ceiling, then every server phase in rotated order. */
const ROUNDS = 4;
const phaseSeconds = Math.max(2, Math.round(seconds / 2));
/** Requests in flight for the capacity table; each phase `capacitySeconds`, the first third not counted (the queue filling). */
const CAPACITY = [8, 16, 32, 80];
const capacitySeconds = Math.max(3, Math.round(seconds * 1.5));
/** Accounts per Firestore: more than the largest concurrency, so no two logins in flight share one. */
const ACCOUNTS = 160;

// The function's deployed settings and the API's own deadlines, read from the source of truth.
const indexSource = readFileSync(join(functionsDir, "src", "index.ts"), "utf8");
const authSettings = indexSource.slice(indexSource.indexOf("export const auth = onRequest("));
const setting = (pattern) => Number(authSettings.match(pattern)?.[1]);
const deployed = {
  concurrency: setting(/concurrency:\s*(\d+)/),
  timeoutSeconds: setting(/timeoutSeconds:\s*(\d+)/),
  memoryMiB: setting(/memory:\s*"(\d+)MiB"/),
};
const fnRequire = createRequire(join(functionsDir, "package.json"));
const { DEADLINES } = fnRequire("./lib/config.js");
const { OWASP_ARGON2ID: argon2Params } = fnRequire("./lib/adapters/argon2-hasher.js");
/** "Well inside" the budget: a third of the request deadline (room for a vCPU half as fast), three quarters of the memory. */
const CAPACITY_LIMITS = { p99Ms: DEADLINES.requestMs / 3, rssMiB: 0.75 * deployed.memoryMiB };

/** The Firestores to measure on, in order: the stand-in first (the targets' reference). */
function firestoreModes() {
  const requested = process.env.STACK_FIRESTORE ?? "auto";
  if (requested === "offline" || requested === "real") return [chooseFirestore(requested)];
  const found = chooseFirestore(requested);
  return found.mode === "real" ? [chooseFirestore("offline"), found] : [found];
}
const labelOf = (fs) => (fs.mode === "real" ? "the real Firestore emulator" : "the offline Firestore stand-in");
const shortLabel = (fs) => (fs.mode === "real" ? "real emulator" : "offline stand-in");

// CPU layout. The function under test gets CPU 0 to itself, and the hash-only ceiling is measured
// on that same CPU; the stand-ins for remote services (Firestore, Auth emulator) and the load
// generator (this process) run on CPU 1. In production Firestore and Auth are remote and an
// instance has its own vCPU; on two shared cores the stand-ins would take the function's CPU
// and the ratios would measure them too. `--shared-cores` (or a machine without `taskset` or
// a second CPU) runs everything unpinned.
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
  // The bench logs its accounts in thousands of times: with the default cap (50) nearly every
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
/** Progress on stderr, so that stdout is the report. */
const progress = (text) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

const fnUrl = `http://${host}:${ports.fn}`;
const compareUrl = `http://${host}:${ports.compare}`;
const newAccounts = (tag) => Array.from({ length: ACCOUNTS }, (_, i) => `bench.${tag}.${i}.${randomBytes(3).toString("hex")}@example.com`);
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

/** Signs `emails` up through `url`, `parallel` at a time; throws on anything but 201. */
async function signUpAll(emails, url = fnUrl, path = "/signup", parallel = 8) {
  let next = 0;
  const worker = async () => {
    while (next < emails.length) {
      const email = emails[next++];
      const status = await post(path, { email, password: PASSWORD }, url);
      if (status !== 201) throw new Error(`signup of a bench account at ${url}${path} failed: ${status}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
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
const tutorialDir = join(fixturesDir, "tutorial");
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
  // stderr piped, not shown: the function logs a warning when loaded outside the framework.
  const options = { cwd: root, env: { ...env, FUNCTION_TARGET: functionTarget }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] };
  return Number(execFileSync(bin, argv, options));
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

/** A field of /proc/<pid>/status in MiB (VmRSS: now; VmHWM: the peak since the process started). */
function statusMiB(pid, field) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${field}:`));
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

/**
 * POSTs `bodies(i)` for `run` (a duration in seconds, or an amount of requests). Resolves to
 * autocannon's result with `done`: [completion time (performance.now()), latency ms] of each 2xx.
 */
function load(path, connections, bodies, url = fnUrl, run = { duration: seconds }, timeout = 10) {
  let i = 0;
  const done = [];
  const tracker = autocannon({
    url: `${url}${path}`,
    connections,
    timeout,
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
  tracker.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) done.push([performance.now(), responseTime]);
  });
  return tracker.then((result) => Object.assign(result, { done }));
}

const totalCpu = (pid) => {
  const cpu = cpuByThread(pid);
  return cpu.main + cpu.pool + cpu.other;
};
/**
 * Waits until `pid` stops spending CPU: the requests in flight when the load generator stopped
 * still run to their end (the client's close does not stop a handler), and their CPU is counted
 * with them.
 */
async function drained(pid) {
  let last = totalCpu(pid);
  let quiet = 0;
  for (let waited = 0; waited < 20_000 && quiet < 3; waited += 100) {
    await sleep(100);
    const now = totalCpu(pid);
    quiet = now - last <= 0.01 ? quiet + 1 : 0;
    last = now;
  }
}

/**
 * Logins (or a fixture's requests) at concurrency `c` for `duration` seconds, with the CPU the
 * serving process spent on them, by thread, and its peak RSS while they ran. The requests left
 * in flight at the end are waited for and counted (sent - completed).
 */
async function measureLogins(pid, url, accounts, c, { path = "/login", duration = seconds, timeout = 10 } = {}) {
  const before = cpuByThread(pid);
  let rss = statusMiB(pid, "VmRSS");
  const sampler = setInterval(() => {
    rss = Math.max(rss, statusMiB(pid, "VmRSS"));
  }, 50);
  const t0 = performance.now();
  const result = await load(path, c, (i) => ({ email: accounts[i % accounts.length], password: PASSWORD }), url, { duration }, timeout);
  await drained(pid);
  clearInterval(sampler);
  const after = cpuByThread(pid);
  const leftover = Math.max(0, (result.requests.sent ?? 0) - result.requests.total);
  const ok = result["2xx"] + leftover;
  const cpu = { main: after.main - before.main, pool: after.pool - before.pool, other: after.other - before.other };
  return { result, ok, cpu, rss, t0, failed: result.non2xx + result.errors + result.timeouts };
}

const emptyTally = () => ({ ok: 0, failed: 0, main: 0, pool: 0, other: 0, latencies: [], roundP50: [] });
function addTally(tally, { ok, failed, cpu, result }) {
  tally.ok += ok;
  tally.failed += failed;
  tally.main += cpu.main;
  tally.pool += cpu.pool;
  tally.other += cpu.other;
  const latencies = result.done.map(([, ms]) => ms);
  tally.latencies.push(...latencies);
  tally.roundP50.push(percentile(latencies, 50));
}
/** CPU ms per request of a tally, in all and by thread. */
const cpuMs = (t) => (1000 * (t.main + t.pool + t.other)) / t.ok;
const splitMs = (t) => ({ main: (1000 * t.main) / t.ok, pool: (1000 * t.pool) / t.ok, other: (1000 * t.other) / t.ok });

function percentile(xs, p) {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const median = (xs) => percentile(xs, 50);

/** Milliseconds to load one module in a fresh Node process (median of three). */
function importCostMs(specifier) {
  const code = `const t=process.hrtime.bigint();require(${JSON.stringify(specifier)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const runs = [0, 1, 2].map(() => Number(execFileSync("node", ["-e", code], { cwd: functionsDir, env, encoding: "utf8" })));
  return median(runs);
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
const verdict = (met) => (met ? "met" : "NOT met");

/** The cold-start comparison against the tutorial shape. */
function printColdStart({ colds, loads, runs }) {
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

/** Cold start against the tutorial shape, interleaved (auth, tutorial, auth, ...), and the module load alone. */
async function measureColdStart(accounts) {
  const tutorialAccounts = accounts.slice(0, 8).map((email) => `tutorial.${email}`);
  const tutorialSignup = serve("tutorialSignup", tutorialDir, ports.tutorial);
  await waitFor("tutorial signup", () => portOpen(ports.tutorial));
  await signUpAll(tutorialAccounts, tutorialUrl, "/", 1);
  await stopChild(tutorialSignup);
  const runs = 5;
  const colds = { auth: [], tutorial: [] };
  const loads = { auth: [], tutorial: [], others: [] };
  for (let k = 0; k < runs; k++) {
    colds.auth.push(await coldStart(startFunction, fnUrl, "/login", accounts[k]));
    colds.tutorial.push(await coldStart(() => serve("tutorialLogin", tutorialDir, ports.tutorial), tutorialUrl, "/", tutorialAccounts[k]));
  }
  for (let k = 0; k < 7; k++) {
    loads.auth.push(moduleLoadMs(join(functionsDir, "lib", "index.js"), "auth"));
    loads.tutorial.push(moduleLoadMs(join(tutorialDir, "index.js"), "tutorialLogin"));
    loads.others.push(otherProvidersMs());
  }
  return { colds, loads, runs };
}

/**
 * Target 1 on one Firestore: ROUNDS rounds, each the hash-only ceiling at concurrency 8, then
 * login, the `hash`, `firestore` and `empty` fixtures at 8 and login and `hash` at 1, in an order
 * rotated by one per round (no server always right after the ceiling or another one); with
 * --compare, the other build's login at 8 and at 1 among them (`other`: its process).
 */
async function measureTargets(fn, accounts, other) {
  const fixtures = { hash: ports.hash, firestore: ports.firestoreOnly, empty: ports.empty };
  const served = {};
  for (const [target, port] of Object.entries(fixtures)) {
    served[target] = { child: serve(target, fixturesDir, port), url: `http://${host}:${port}` };
    await waitFor(`${target} fixture`, () => portOpen(port));
    for (let k = 0; k < 20; k++) {
      const status = await post("/", { email: accounts[k], password: PASSWORD }, served[target].url);
      if (status !== 200) throw new Error(`the ${target} fixture answered ${status}: ${served[target].child.output.slice(-1500)}`);
    }
  }
  const tallies = {};
  const phase = (key, pid, url, path, c) => {
    tallies[key] = emptyTally();
    return { key, pid, url, path, c };
  };
  const phases = [
    phase("login8", fn.pid, fnUrl, "/login", 8),
    phase("hash8", served.hash.child.pid, served.hash.url, "/", 8),
    phase("firestore8", served.firestore.child.pid, served.firestore.url, "/", 8),
    phase("empty8", served.empty.child.pid, served.empty.url, "/", 8),
    phase("login1", fn.pid, fnUrl, "/login", 1),
    phase("hash1", served.hash.child.pid, served.hash.url, "/", 1),
    ...(other === undefined
      ? []
      : [phase("other8", other.pid, compareUrl, "/login", 8), phase("other1", other.pid, compareUrl, "/login", 1)]),
  ];
  const ceiling = { verifies: 0, seconds: 0, cpu: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    progress(`  round ${round + 1} of ${ROUNDS}`);
    const run = hashCeiling(8, phaseSeconds * 1000);
    const verifies = run.perSecond * phaseSeconds;
    ceiling.verifies += verifies;
    ceiling.seconds += phaseSeconds;
    ceiling.cpu += run.cpuPerVerify * verifies;
    for (let k = 0; k < phases.length; k++) {
      const { key, pid, url, path, c } = phases[(k + round) % phases.length];
      addTally(tallies[key], await measureLogins(pid, url, accounts, c, { path, duration: phaseSeconds }));
    }
  }
  for (const { child } of Object.values(served)) await stopChild(child);
  const verifyMs = (1000 * ceiling.cpu) / ceiling.verifies;
  return { tallies, verifyMs, ceilingPerSecond: ceiling.verifies / ceiling.seconds };
}

/** Target 3 on one Firestore: logins per second at each concurrency, after the queue has filled. */
async function measureCapacity(fn, accounts) {
  const rows = [];
  for (const c of CAPACITY) {
    progress(`  capacity at ${c} in flight`);
    const m = await measureLogins(fn.pid, fnUrl, accounts, c, { duration: capacitySeconds, timeout: deployed.timeoutSeconds });
    // The steady part: responses after the first third of the phase (the first wave of requests
    // finds an empty queue and would make the latency look better than a busy instance's).
    const from = m.t0 + (1000 * capacitySeconds) / 3;
    const steady = m.result.done.filter(([at]) => at >= from);
    const window = (m.t0 + 1000 * m.result.duration - from) / 1000;
    const latencies = steady.map(([, ms]) => ms);
    rows.push({
      c,
      perSecond: steady.length / window,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
      failed: m.failed,
      statuses: statusCounts(m.result),
      rss: m.rss,
      cpuMs: (1000 * (m.cpu.main + m.cpu.pool + m.cpu.other)) / m.ok,
    });
  }
  return rows;
}

function statusCounts(result) {
  const counts = {};
  for (const [code, n] of Object.entries(result.statusCodeStats ?? {})) counts[code] = n.count;
  if (result.errors > 0) counts.errors = result.errors;
  if (result.timeouts > 0) counts.timeouts = result.timeouts;
  return counts;
}

/** Correctness under concurrency and failed-login timing (bounded, loopback only). */
async function measureChecks(accounts) {
  const sameEmail = `bench.race.${randomBytes(4).toString("hex")}@example.com`;
  // Each from its own network (signups are limited per network), each with its own password:
  // the same signup sent again (same password) would sign in to the account instead (signup.ts).
  const race = await load("/signup", 50, (i) => ({ email: sameEmail, password: `${PASSWORD} ${i}` }), fnUrl, { amount: 50 });
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
  const refreshes = {};
  for (const { status } of refreshReplies) refreshes[status] = (refreshes[status] ?? 0) + 1;
  const successors = new Set(refreshReplies.filter((r) => r.status === 200).map((r) => r.token)).size;
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
  return { race: statusCounts(race), refreshes, successors, timings };
}

/** Everything measured on one Firestore. `last`: also cold start and the checks (once per run). */
async function measureOn(fs, last) {
  const label = labelOf(fs);
  progress(`on ${label}`);
  const store =
    fs.mode === "real"
      ? start("Firestore emulator", CPU.services, fs.launcher, realFirestoreArgs(host, ports.firestore, projectId))
      : start("offline Firestore", CPU.services, "node", [join(root, "scripts", "offline-firestore.mjs"), String(ports.firestore)]);
  await waitFor(label, () => (fs.mode === "real" ? realFirestoreReady(host, ports.firestore) : portOpen(ports.firestore)));
  const accounts = newAccounts(fs.mode);
  let fn = startFunction();
  await waitFor("function", async () => (await post("/login", {})) === 400);
  await signUpAll(accounts);
  const out = { fs, label };
  if (last) {
    progress("  cold start");
    await stopChild(fn);
    out.cold = await measureColdStart(accounts);
    if (coldOnly) return out;
    fn = startFunction();
    await waitFor("function", async () => (await post("/login", {})) === 400);
  }
  // The other build: the same accounts (signed up by this one), its own process on the same CPU.
  let other;
  if (compareDir !== undefined) {
    other = serve("auth", compareDir, ports.compare);
    await waitFor("the --compare function", async () => (await post("/login", {}, compareUrl)) === 400);
    for (let k = 0; k < 20; k++) {
      const status = await post("/login", { email: accounts[k], password: PASSWORD }, compareUrl);
      if (status !== 200) throw new Error(`the --compare function answered a login with ${status}: ${other.output.slice(-1500)}`);
    }
  }
  progress("  targets");
  out.targets = await measureTargets(fn, accounts, other);
  if (other !== undefined) await stopChild(other);
  out.capacity = await measureCapacity(fn, accounts);
  if (last) {
    progress("  checks");
    out.checks = await measureChecks(accounts);
  }
  out.peakRss = statusMiB(fn.pid, "VmHWM");
  await stopChild(fn);
  await stopChild(store);
  await waitFor(`port ${ports.firestore} to close`, async () => !(await portOpen(ports.firestore)), 30_000);
  return out;
}

/** Target 1 of one Firestore, as numbers. */
function targetOne({ tallies, verifyMs }) {
  const inVerifications = (t) => cpuMs(t) / verifyMs;
  return {
    cpu8: inVerifications(tallies.login8),
    hashCpu8: inVerifications(tallies.hash8),
    cpu1: inVerifications(tallies.login1),
    hashCpu1: inVerifications(tallies.hash1),
    // No login on this stack costs less than the hash fixture plus the login's Firestore calls.
    lowerBound8: inVerifications(tallies.hash8) + (cpuMs(tallies.firestore8) - cpuMs(tallies.empty8)) / verifyMs,
    p50Login: median(tallies.login1.latencies),
    p50Hash: median(tallies.hash1.latencies),
    beyondMs: median(tallies.login1.latencies) - median(tallies.hash1.latencies),
    roundBeyond: tallies.login1.roundP50.map((p, i) => p - tallies.hash1.roundP50[i]),
  };
}

function printMode(m) {
  const { tallies, verifyMs, ceilingPerSecond } = m.targets;
  const t = targetOne(m.targets);
  const splitText = ({ main, pool, other }) =>
    `JS main thread ${fmt(main)}, libuv pool (Argon2) ${fmt(pool)}, other threads (GC, compiler) ${fmt(other)}`;
  console.log(`\n== ${m.label} ==`);
  console.log(
    `${ROUNDS} interleaved rounds of ${phaseSeconds} s per phase (the ceiling at 8, then login, hash, firestore, empty at 8 and login, hash at 1, rotated); ` +
      `one verification ${fmt(verifyMs)} ms of CPU (hash-only ceiling ${fmt(ceilingPerSecond)} verifications/s at 8)`,
  );
  console.log("CPU per request at concurrency 8, ms (by thread):");
  for (const key of ["login8", "hash8", "firestore8", "empty8"]) {
    console.log(`  ${key.slice(0, -1).padEnd(9)} ${fmt(cpuMs(tallies[key])).padStart(6)} = ${splitText(splitMs(tallies[key]))}`);
  }
  const frameworkMs = cpuMs(tallies.empty8);
  const firestoreMs = cpuMs(tallies.firestore8) - frameworkMs;
  const restMs = cpuMs(tallies.login8) - cpuMs(tallies.hash8) - firestoreMs;
  console.log(
    `  login beyond hash ${fmt(cpuMs(tallies.login8) - cpuMs(tallies.hash8))} ms = its Firestore calls ${fmt(firestoreMs)} ms (firestore - empty) ` +
      `+ the rest ${fmt(restMs)} ms (this project's code, the custom token, the session's bookkeeping)`,
  );
  console.log(
    `latency at concurrency 1, p50 / p99 ms: login ${fmt(t.p50Login)} / ${fmt(percentile(tallies.login1.latencies, 99))}, ` +
      `hash ${fmt(t.p50Hash)} / ${fmt(percentile(tallies.hash1.latencies, 99))}; login - hash by round: ${t.roundBeyond.map((x) => fmt(x)).join(", ")} ms`,
  );
  console.log(
    `CPU per request in verifications: at 8 login ${fmt(t.cpu8, 2)}, hash ${fmt(t.hashCpu8, 2)}; at 1 login ${fmt(t.cpu1, 2)}, hash ${fmt(t.hashCpu1, 2)}`,
  );
  if (tallies.other8 !== undefined) {
    const ratio = (a, b) => `${fmt(a)} against ${fmt(b)}: ${fmt(a / b, 2)}x`;
    console.log(
      `this build's login against --compare ${compareDir} (interleaved in the same rounds): CPU at 8, ms ${ratio(cpuMs(tallies.login8), cpuMs(tallies.other8))}` +
        ` (${fmt(cpuMs(tallies.login8) / verifyMs, 2)} against ${fmt(cpuMs(tallies.other8) / verifyMs, 2)} verifications); ` +
        `p50 latency at 1, ms ${ratio(median(tallies.login1.latencies), median(tallies.other1.latencies))}`,
    );
  }
  const failed = Object.entries(tallies).filter(([, tally]) => tally.failed > 0);
  if (failed.length > 0) console.log(`non-2xx answers: ${failed.map(([key, tally]) => `${key} ${tally.failed}`).join(", ")}`);
  console.log(
    `capacity (one instance, the function on one CPU, ${capacitySeconds} s per concurrency, the first third not counted; client timeout ${deployed.timeoutSeconds} s):`,
  );
  console.log("  in flight | logins/s | p50 ms | p99 ms | max ms | non-2xx | peak RSS MiB | CPU per login, verifications");
  for (const row of m.capacity) {
    console.log(
      `  ${String(row.c).padStart(9)} | ${fmt(row.perSecond).padStart(8)} | ${fmt(row.p50, 0).padStart(6)} | ${fmt(row.p99, 0).padStart(6)} | ` +
        `${fmt(row.max, 0).padStart(6)} | ${String(row.failed).padStart(7)} | ${fmt(row.rss, 0).padStart(12)} | ${fmt(row.cpuMs / verifyMs, 2)}`,
    );
  }
  console.log(`function process peak RSS over the whole phase: ${fmt(m.peakRss, 0)} MiB`);
}

/** Target 2: docs/operations.json, written by the instrumented emulator test. */
function printOperations() {
  const file = join(root, "docs", "operations.json");
  console.log("\n2. Firestore round trips and operations per request (docs/operations.json, counted by operations.emulator.test.ts):");
  if (!existsSync(file)) {
    console.log("  docs/operations.json is missing: not counted yet");
    return;
  }
  const table = JSON.parse(readFileSync(file, "utf8"));
  if (table.provisional === true) console.log("  PROVISIONAL: the file says these are placeholder numbers, not counted");
  const ops = table.operations ?? {};
  const check = (what, value, limit) =>
    console.log(
      `  ${what}: ${value ?? "n/a"} (target <= ${limit}): ${typeof value === "number" ? verdict(value <= limit) : "NOT met (not in the file)"}`,
    );
  for (const kind of ["login_trusted", "login_untrusted"]) {
    check(`${kind} round trips before the hash`, ops[kind]?.round_trips_before_hash, TARGETS.roundTripsBeforeHash);
    check(`${kind} round trips after the hash`, ops[kind]?.round_trips_after_hash, TARGETS.roundTripsAfterHash);
  }
  check("login_trusted reads", ops.login_trusted?.reads, TARGETS.trustedReads);
  check("login_trusted writes", ops.login_trusted?.writes, TARGETS.trustedWrites);
  // Not a target: what the Firestore client's CPU follows (each call costs it, whatever it carries).
  console.log(
    `  Firestore calls per login (requests the client sends): trusted ${ops.login_trusted?.calls ?? "n/a"}, untrusted ${ops.login_untrusted?.calls ?? "n/a"}`,
  );
}

/** The largest measured concurrency that keeps p99 and memory well inside the limits on every Firestore measured. */
function printRecommendation(modes) {
  const fits = (row) => row.failed === 0 && row.p99 <= CAPACITY_LIMITS.p99Ms && row.rss <= CAPACITY_LIMITS.rssMiB;
  const fitting = CAPACITY.filter((c) => modes.every((m) => fits(m.capacity.find((row) => row.c === c))));
  const best = fitting.at(-1);
  console.log(
    `\n3. capacity: auth is deployed with concurrency ${deployed.concurrency}, timeout ${deployed.timeoutSeconds} s, ${deployed.memoryMiB} MiB, 1 vCPU; ` +
      `the API's request budget is ${DEADLINES.requestMs / 1000} s (DEADLINES.requestMs), each call's ${DEADLINES.callMs / 1000} s`,
  );
  console.log(
    `  "well inside": p99 <= ${fmt(CAPACITY_LIMITS.p99Ms / 1000)} s (a third of the request budget) and peak RSS <= ${fmt(CAPACITY_LIMITS.rssMiB, 0)} MiB ` +
      `(3/4 of the memory), no non-2xx`,
  );
  for (const m of modes) {
    const peak = Math.max(...m.capacity.map((row) => row.perSecond));
    console.log(
      `  ${shortLabel(m.fs)}: ${fmt(peak)} logins/s per instance at best (this machine's CPU); ` +
        m.capacity
          .map(
            (row) => `${row.c} in flight ${fits(row) ? "fits" : "does not fit"} (p99 ${fmt(row.p99 / 1000, 1)} s, ${fmt(row.rss, 0)} MiB)`,
          )
          .join("; "),
    );
  }
  if (best === undefined) {
    console.log(`  recommendation: none of ${CAPACITY.join(", ")} fits; lower concurrency below ${CAPACITY[0]}`);
  } else if (best >= deployed.concurrency) {
    console.log(`  recommendation: keep concurrency ${deployed.concurrency} (it fits on every Firestore measured)`);
  } else {
    console.log(`  recommendation: concurrency ${best} (the largest measured that fits), not ${deployed.concurrency}`);
  }
}

async function main() {
  for (const port of Object.values(ports)) {
    if (await portOpen(port)) throw new Error(`port ${port} is in use`);
  }
  const all = firestoreModes();
  const modes = coldOnly ? all.slice(-1) : all;
  console.log(
    `bench: ${seconds}s base phase; Node ${process.version}; Argon2id m=${argon2Params.memoryKiB} t=${argon2Params.iterations} p=${argon2Params.parallelism}; Firestore: ${modes.map(labelOf).join(", then ")}\n`,
  );
  for (const fs of modes) if (fs.mode === "offline" && fs.reason !== "STACK_FIRESTORE=offline") console.warn(offlineBanner(fs.reason));
  if (pinned) execFileSync("taskset", ["-a", "-p", "-c", CPU.services, String(process.pid)], { stdio: "ignore" });
  console.log(
    pinned
      ? `layout: the function, the fixtures and the hash ceiling on CPU ${CPU.function}; Firestore, the Auth emulator and the load generator on CPU ${CPU.services}\n`
      : "layout: everything shares every CPU (--shared-cores, or no taskset / single CPU)\n",
  );
  start("auth emulator", CPU.services, join(root, "node_modules", ".bin", "firebase"), [
    "emulators:start",
    "--only",
    "auth",
    "--project",
    projectId,
    "--config",
    join(root, "scripts", "bench.firebase.json"),
  ]);
  await waitFor("Auth emulator", () => portOpen(ports.auth));

  const results = [];
  for (const [i, fs] of modes.entries()) results.push(await measureOn(fs, i === modes.length - 1));
  const last = results.at(-1);
  if (coldOnly) {
    printColdStart(last.cold);
    return;
  }
  for (const m of results) printMode(m);

  // The report: the targets, met or not.
  const line = "=".repeat(100);
  console.log(`\n${line}\nissue 22's targets (${pinned ? "the function on its own CPU" : "shared CPUs"})`);
  console.log(
    `1. against the hash fixture (one Argon2id verification, the project's parameters, nothing else); CPU at concurrency 8, latency at 1:`,
  );
  for (const m of results) {
    const t = targetOne(m.targets);
    const reference = m.fs.mode === "offline" ? " (the targets' reference)" : "";
    console.log(`  ${shortLabel(m.fs)}${reference}:`);
    console.log(
      `    CPU per login: ${fmt(t.cpu8, 2)} verifications (target <= ${TARGETS.cpuVerifications}): ${verdict(t.cpu8 <= TARGETS.cpuVerifications)}` +
        ` (the hash fixture's own ${fmt(t.hashCpu8, 2)}; hash fixture + the login's Firestore calls ${fmt(t.lowerBound8, 2)})`,
    );
    console.log(
      `    p50 login latency beyond one verification: ${fmt(t.beyondMs)} ms (login ${fmt(t.p50Login)} - hash ${fmt(t.p50Hash)}; target <= ${TARGETS.latencyBeyondMs} ms): ` +
        verdict(t.beyondMs <= TARGETS.latencyBeyondMs),
    );
  }
  printOperations();
  printRecommendation(results);
  console.log(line);

  printColdStart(last.cold);
  const { race, refreshes, successors, timings } = last.checks;
  console.log(`\nchecks on ${last.label}:`);
  console.log(
    `  50 concurrent signups of one email, 50 passwords: ${JSON.stringify(race)} ` +
      "(want one 201; the rest 409, or 429 where their password checks on the new account pass the burst allowance)",
  );
  console.log(
    `  20 concurrent refreshes of one token: ${JSON.stringify(refreshes)}, ${successors} distinct new token(s) (want all 200 with ONE new token: the reuse interval)`,
  );
  const mu = median(timings.unknown);
  const mw = median(timings.wrong);
  console.log(
    `  failed-login timing (24 each, interleaved): unknown email median ${fmt(mu)} ms, wrong password median ${fmt(mw)} ms, ` +
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
    pinned
      ? "\nFirestore and the Auth emulator run on the other CPU, as remote services would."
      : "\nNote: the Auth emulator and Firestore share the CPUs with the function; in production they are remote.",
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
