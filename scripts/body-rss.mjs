// Peak memory of one Functions Framework instance of the `auth` function receiving large bodies
// at once. The Functions Framework parses every body (up to its fixed 1024 MB limit) before the
// function runs; the auth service caps its parsers at 8 KiB (functions/src/http/body-cap.ts).
// Cloud Run caps an HTTP/1 request at 32 MiB; this sends bodies just under that
// (docs/benchmark.md, "Large request bodies").
//
//   node scripts/body-rss.mjs [MiB] [concurrent] [--uncapped]   (defaults: 30 MiB, 8 at once)
//
// --uncapped serves the function without FUNCTION_TARGET (which Cloud Run sets), so the cap is
// off and the framework's own limit applies, as before the cap existed.
//
// Each shape runs on a fresh instance (port 8196): idle RSS, then the bodies sent at once while
// the process's RSS is sampled every 5 ms, then the peak, the answers, and whether it still
// answers. No emulator is needed: every body here is refused before any SDK starts. Builds
// nothing: run `node scripts/bootstrap.mjs` first. Linux only (/proc).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { killGroup, portInUse, sleep, waitFor } from "./processes.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const host = "127.0.0.1";
const port = 8196;
const args = process.argv.slice(2);
const uncapped = args.includes("--uncapped");
const [mibArg, concurrentArg] = args.filter((a) => a !== "--uncapped");
const mib = Number(mibArg ?? 30);
const concurrent = Number(concurrentArg ?? 8);
const size = mib * 1024 * 1024;

/** The shapes of body sent: the same size, parsed differently by the framework. */
const SHAPES = [
  { name: "JSON, one long string", type: "application/json", count: concurrent, body: () => jsonString(size) },
  { name: "octet-stream (kept as a Buffer)", type: "application/octet-stream", count: concurrent, body: () => Buffer.alloc(size, 97) },
  // `[{},{},...]`: one JavaScript object per 3 bytes. Sent once: a single one shows the amplification.
  { name: "JSON, an array of empty objects", type: "application/json", count: 1, body: () => jsonArray(size) },
];

function jsonString(bytes) {
  const body = Buffer.alloc(bytes, 97);
  body.write('{"email":"', 0);
  body.write('"}', bytes - 2);
  return body;
}

function jsonArray(bytes) {
  const body = Buffer.alloc(bytes, " ");
  const items = Math.floor((bytes - 2) / 3);
  body.write("[", 0);
  for (let i = 0; i < items; i++) body.write(i === items - 1 ? "{} " : "{},", 1 + i * 3);
  body.write("]", bytes - 1);
  return body;
}

const rssMiB = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN) / 1024;
};

function send(body, type) {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host,
        port,
        path: "/login",
        method: "POST",
        headers: { "Content-Type": type, "Content-Length": body.length, "X-Forwarded-For": "198.51.100.9" },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      },
    );
    request.on("error", (error) => resolve(error.code ?? "error"));
    request.end(body);
  });
}

async function answersLogin() {
  return new Promise((resolve) => {
    const request = http.request({ host, port, path: "/login", method: "POST", headers: { "Content-Type": "application/json" } }, (r) => {
      r.resume();
      resolve(r.statusCode === 400);
    });
    request.on("error", () => resolve(false));
    request.end("{}");
  });
}

async function measure(shape) {
  if (await portInUse(host, port)) throw new Error(`port ${port} is in use`);
  const main = join(root, "node_modules", "@google-cloud", "functions-framework", "build", "src", "main.js");
  const env = {
    ...process.env,
    PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
    NODE_ENV: "production",
    METADATA_SERVER_DETECTION: "none",
    ...(uncapped ? {} : { FUNCTION_TARGET: "auth" }),
  };
  const args = [main, "--target=auth", `--source=${join(root, "functions")}`, `--port=${port}`, "--signature-type=http"];
  const child = spawn("node", args, { cwd: root, env, detached: true, stdio: "ignore" });
  try {
    await waitFor("the function", answersLogin, 60_000);
    await sleep(2000);
    const idle = rssMiB(child.pid);
    const bodies = Array.from({ length: shape.count }, shape.body);
    let peak = idle;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssMiB(child.pid));
      } catch {
        // the process is gone: reported below
      }
    }, 5);
    const started = Date.now();
    const statuses = await Promise.all(bodies.map((body) => send(body, shape.type)));
    const seconds = (Date.now() - started) / 1000;
    await sleep(1000);
    clearInterval(sampler);
    const alive = child.exitCode === null && (await answersLogin());
    const after = alive ? rssMiB(child.pid) : Number.NaN;
    const fmt = (n) => `${n.toFixed(0)} MiB`;
    console.log(
      `${shape.name}: ${shape.count} x ${mib} MiB -> answers ${[...new Set(statuses)].join(",")} in ${seconds.toFixed(1)} s; ` +
        `RSS idle ${fmt(idle)}, peak ${fmt(peak)} (+${fmt(peak - idle)}, ${((peak - idle) / (shape.count * mib)).toFixed(1)}x the bytes sent), ` +
        `1 s later ${fmt(after)}; still answering: ${alive}`,
    );
  } finally {
    await killGroup(child, 5000);
  }
}

console.log(
  `node ${process.version}; ${concurrent} concurrent bodies of ${mib} MiB (the array shape: one); body cap ${uncapped ? "off" : "on"}`,
);
for (const shape of SHAPES) await measure(shape);
