// Firestore's two transports in firebase-admin, CPU per operation (docs/benchmark.md, "Why 1a and
// 1b are not met"): a three-document getAll and a two-write commit with a precondition, 8 at a
// time, over gRPC (the default) and over REST (`preferRest: true`), each in its own process,
// interleaved; and gRPC inside a `domain`, as the Functions Framework runs every request (its
// function_wrappers.js: `domain.create()` then `d.run(...)` per request). Run against a Firestore
// emulator:
//   npm run stack -- node scripts/bench-transport.mjs
// REST under the emulator still asks Google's auth library for a credential: a throwaway key
// made here (never sent anywhere but the emulator) stands in for one.
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const OPERATIONS = 2000;
const IN_FLIGHT = 8;

if (process.argv[2] === "child") {
  const require = createRequire(join(import.meta.dirname, "..", "functions", "package.json"));
  const { initializeApp } = require("firebase-admin/app");
  const { getFirestore, FieldValue } = require("firebase-admin/firestore");
  // A project of its own: the stack's has firestore.rules loaded, and a REST request carrying a
  // bearer token is held to them by the emulator.
  initializeApp({ projectId: "demo-bench-transport" });
  const db = getFirestore();
  db.settings({ preferRest: process.argv[3] === "rest" });
  const inDomain = process.argv[3] === "domain";
  const refs = [0, 1, 2].map((i) => db.doc(`bench_transport/d${i}`));
  await Promise.all(refs.map((ref) => ref.set({ n: 0 })));
  const operation = async (i) => {
    const snaps = await db.getAll(...refs);
    const batch = db.batch();
    batch.update(refs[0], { n: FieldValue.increment(1) }, { lastUpdateTime: snaps[0].updateTime });
    batch.set(db.doc(`bench_transport/x${i % 500}`), { a: 1, b: "x".repeat(40), t: new Date() });
    await batch.commit().catch(() => undefined); // a lost precondition race costs the same
  };
  for (let i = 0; i < 200; i++) await operation(i); // warm-up
  const before = process.cpuUsage();
  let next = 0;
  const all = () =>
    Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < OPERATIONS) await operation(next++);
      }),
    );
  if (inDomain) {
    const domain = require("node:domain").create();
    await new Promise((resolve, reject) => domain.run(() => all().then(resolve, reject)));
  } else await all();
  const used = process.cpuUsage(before);
  const label = { grpc: "gRPC", rest: "REST", domain: "gRPC inside a domain (as the Functions Framework runs a request)" }[process.argv[3]];
  console.log(`${label}: ${((used.user + used.system) / 1000 / OPERATIONS).toFixed(2)} ms of CPU per operation`);
  process.exit(0);
}

if (!process.env.FIRESTORE_EMULATOR_HOST)
  throw new Error("run under a Firestore emulator: npm run stack -- node scripts/bench-transport.mjs");
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const keyFile = join(mkdtempSync(join(tmpdir(), "bench-transport-")), "key.json");
writeFileSync(
  keyFile,
  JSON.stringify({
    type: "service_account",
    project_id: "demo-bench-transport",
    client_email: "bench@demo-bench-transport.iam.gserviceaccount.com",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
  }),
);
console.log(`${OPERATIONS} operations (getAll of 3, commit of 2), ${IN_FLIGHT} at a time, per transport, interleaved:`);
for (const transport of ["grpc", "rest", "domain", "grpc", "rest", "domain"]) {
  const run = spawnSync(process.execPath, [import.meta.filename, "child", transport], {
    env: { ...process.env, GOOGLE_APPLICATION_CREDENTIALS: keyFile },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
