// Benchmark (not a test): serves the `auth` function the way Cloud Functions 2nd gen does in
// production - the Functions Framework, one Node 22 process - with the Auth emulator and the
// offline Firestore behind it, and prints ratios measured in this one run:
//   - login and signup latency (p50/p99) and throughput at concurrency 1, 4, 8 (autocannon)
//   - the hash-only ceiling: Argon2id verifications/s at the same parameters and concurrency
//   - login throughput / ceiling            (target >= 75 % at concurrency 8)
//   - CPU of the function process per login, in verifications (target <= 1.25)
//   - cold start: process start -> first successful login answer
//   - peak memory (RSS) of the function process
// Everything listens on 127.0.0.1 and every load phase is bounded in time.
// Usage: npm run bench [-- --seconds 8]
import autocannon from "autocannon";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { killGroup, portInUse, waitFor as waitUntil } from "./processes.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const functionsDir = join(root, "functions");
const fnRequire = createRequire(join(functionsDir, "package.json"));
const argon2 = fnRequire("@node-rs/argon2");

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1]) || 8;
const CONCURRENCIES = [1, 4, 8];
const PASSWORD = "correct horse battery staple";
const host = "127.0.0.1";
const ports = { firestore: 8180, auth: 9199, fn: 8190 };
const projectId = "demo-flutterflow-auth-bench";
const clkTck = 100; // USER_HZ on Linux

const env = {
  ...process.env,
  PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
  GCLOUD_PROJECT: projectId,
  GOOGLE_CLOUD_PROJECT: projectId,
  FIREBASE_AUTH_EMULATOR_HOST: `${host}:${ports.auth}`,
  FIRESTORE_EMULATOR_HOST: `${host}:${ports.firestore}`,
  METADATA_SERVER_DETECTION: "none",
  NODE_ENV: "production",
  NO_UPDATE_NOTIFIER: "1",
};
const children = [];

function start(name, command, argv, extraEnv = {}) {
  const child = spawn(command, argv, { cwd: root, env: { ...env, ...extraEnv }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
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
let clientCounter = 0;
/** Each request from its own documentation-range address, so the per-address throttle stays out of the way. */
const nextClientIp = () => {
  clientCounter++;
  return `198.18.${(clientCounter >> 8) & 255}.${clientCounter & 255}`;
};

async function post(path, body) {
  const response = await fetch(`${fnUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-For": nextClientIp() },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

function startFunction() {
  return start("functions-framework", "node", [
    join(root, "node_modules", "@google-cloud", "functions-framework", "build", "src", "main.js"),
    "--target=auth",
    `--source=${functionsDir}`,
    `--port=${ports.fn}`,
    "--signature-type=http",
  ]);
}

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clkTck; // utime + stime
}

function peakRssMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmHWM:"));
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** Argon2id verifications per second with `concurrency` in flight, and CPU seconds per verification. */
async function hashCeiling(concurrency, durationMs) {
  const phc = await argon2.hash(PASSWORD, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  const cpuBefore = process.cpuUsage();
  const startAt = performance.now();
  let done = 0;
  const worker = async () => {
    while (performance.now() - startAt < durationMs) {
      await argon2.verify(phc, PASSWORD);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - startAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: done / elapsed, cpuPerVerify: (cpu.user + cpu.system) / 1e6 / done };
}

function load(path, connections, bodies) {
  let i = 0;
  return autocannon({
    url: `${fnUrl}${path}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(bodies(i++)) }),
      },
    ],
  });
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

async function main() {
  for (const port of Object.values(ports)) {
    if (await portOpen(port)) throw new Error(`port ${port} is in use`);
  }
  console.log(`bench: ${seconds}s per phase; Node ${process.version}; Argon2id m=19456 t=2 p=1\n`);
  start("offline Firestore", "node", [join(root, "scripts", "offline-firestore.mjs"), String(ports.firestore)]);
  start("auth emulator", join(root, "node_modules", ".bin", "firebase"), [
    "emulators:start", "--only", "auth", "--project", projectId,
    "--config", join(root, "scripts", "bench.firebase.json"),
  ]);
  await waitFor("offline Firestore", () => portOpen(ports.firestore));
  await waitFor("Auth emulator", () => portOpen(ports.auth));

  // Accounts to log in with, created through the API by a first function process.
  let fn = startFunction();
  await waitFor("function", async () => (await post("/login", {})) === 400);
  const accounts = Array.from({ length: 16 }, (_, i) => `bench.${i}.${randomBytes(3).toString("hex")}@example.com`);
  for (const email of accounts) {
    const status = await post("/signup", { email, password: PASSWORD });
    if (status !== 201) throw new Error(`signup of a bench account failed: ${status}`);
  }
  await stopChild(fn);

  // Cold start: spawn -> first 200 from /login (three times, median).
  const colds = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    fn = startFunction();
    await waitFor("first login", async () => (await post("/login", { email: accounts[k], password: PASSWORD })) === 200, 60_000);
    colds.push(performance.now() - t0);
    if (k < 2) await stopChild(fn);
  }
  colds.sort((a, b) => a - b);

  const rows = [];
  for (const c of CONCURRENCIES) {
    const ceiling = await hashCeiling(c, seconds * 1000);
    const cpu0 = cpuSeconds(fn.pid);
    const login = await load("/login", c, (i) => ({ email: accounts[i % accounts.length], password: PASSWORD }));
    const cpu1 = cpuSeconds(fn.pid);
    const signup = await load("/signup", c, () => ({ email: `bench.s.${randomBytes(6).toString("hex")}@example.com`, password: PASSWORD }));
    const loginOk = login["2xx"];
    rows.push({ c, ceiling, login, signup, cpuPerLogin: (cpu1 - cpu0) / loginOk });
  }
  // Load (bounded, loopback only): correctness under concurrency, status counts, memory.
  const statusCounts = (result) => {
    const counts = {};
    for (const [code, n] of Object.entries(result.statusCodeStats ?? {})) counts[code] = n.count;
    if (result.errors > 0) counts.errors = result.errors;
    if (result.timeouts > 0) counts.timeouts = result.timeouts;
    return counts;
  };
  const sameEmail = `bench.race.${randomBytes(4).toString("hex")}@example.com`;
  const race = await autocannon({
    url: `${fnUrl}/signup`, connections: 50, amount: 50, method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: sameEmail, password: PASSWORD }),
  });
  const burst = await autocannon({
    url: `${fnUrl}/login`, connections: 64, amount: 500,
    requests: [{ method: "POST", headers: { "content-type": "application/json" },
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ email: accounts[Math.floor(Math.random() * accounts.length)], password: PASSWORD }) }) }],
  });
  const family = await fetch(`${fnUrl}/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: accounts[0], password: PASSWORD }) }).then((r) => r.json());
  const refreshStatuses = await Promise.all(
    Array.from({ length: 20 }, () =>
      fetch(`${fnUrl}/refresh`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: family.refresh_token }) }).then((r) => r.status),
    ),
  );
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

  console.log("concurrency | login req/s  p50 ms  p99 ms  non-2xx | signup req/s  p50 ms  p99 ms  non-2xx | hash-only verify/s | login/ceiling | CPU per login (verifications)");
  for (const { c, ceiling, login, signup, cpuPerLogin } of rows) {
    const bad = (r) => r.non2xx + r.errors + r.timeouts;
    console.log(
      `${String(c).padStart(11)} | ${fmt(login.requests.average).padStart(11)} ${fmt(login.latency.p50).padStart(7)} ${fmt(login.latency.p99).padStart(7)} ${String(bad(login)).padStart(8)} | ` +
        `${fmt(signup.requests.average).padStart(12)} ${fmt(signup.latency.p50).padStart(7)} ${fmt(signup.latency.p99).padStart(7)} ${String(bad(signup)).padStart(8)} | ` +
        `${fmt(ceiling.perSecond).padStart(18)} | ${fmt((100 * login.requests.average) / ceiling.perSecond, 0).padStart(12)} % | ` +
        `${fmt(cpuPerLogin / ceiling.cpuPerVerify, 2)}`,
    );
  }
  const c8 = rows.find((r) => r.c === 8);
  console.log(`\ncold start (process start -> first successful login): median ${fmt(colds[1], 0)} ms (runs: ${colds.map((x) => fmt(x, 0)).join(", ")} ms)`);
  console.log(`function process peak RSS: ${fmt(peak, 0)} MiB (whole run, load included)`);
  console.log("\nload:");
  console.log(`  50 concurrent signups of one email: ${JSON.stringify(statusCounts(race))} (want one 201, the rest 409)`);
  console.log(
    `  500 logins over ${accounts.length} accounts at concurrency 64: ${JSON.stringify(statusCounts(burst))}, ` +
      `p50 ${fmt(burst.latency.p50, 0)} ms, p99 ${fmt(burst.latency.p99, 0)} ms (want only 200, no 5xx)`,
  );
  const tally = refreshStatuses.reduce((acc, code) => ({ ...acc, [code]: (acc[code] ?? 0) + 1 }), {});
  console.log(`  20 concurrent refreshes of one token: ${JSON.stringify(tally)} (want exactly one 200)`);
  const mu = median(timings.unknown);
  const mw = median(timings.wrong);
  console.log(
    `failed-login timing (24 each, interleaved): unknown email median ${fmt(mu)} ms, wrong password median ${fmt(mw)} ms, ` +
      `difference ${fmt((100 * Math.abs(mu - mw)) / Math.min(mu, mw), 0)} % (target: within 20 %)`,
  );
  console.log("\nimport cost of each runtime dependency (fresh process, median of 3):");
  for (const [specifier, when] of IMPORTS) console.log(`  ${fmt(importCostMs(specifier), 0).padStart(5)} ms  ${specifier}  (${when})`);
  console.log(`\ntargets at concurrency 8:`);
  console.log(`  login throughput >= 75 % of the hash-only ceiling: ${fmt((100 * c8.login.requests.average) / c8.ceiling.perSecond, 0)} %`);
  console.log(`  CPU per login <= 1.25 verifications:              ${fmt(c8.cpuPerLogin / c8.ceiling.cpuPerVerify, 2)}`);
  console.log("\nNote: the Auth emulator and the offline Firestore share this machine's 2 cores with the");
  console.log("function during the login runs; in production they are remote services.");
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
