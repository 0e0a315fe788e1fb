// Part of `npm run bench`: the hash-only ceiling, in a process of its own so that the bench can
// give it the same CPU as the function; the unit of the bench's CPU targets ("one verification"
// = this ceiling's pool CPU per verification). Prints JSON: Argon2id verifications per second with
// `concurrency` in flight, and the CPU seconds one verification costs (libuv pool threads only,
// where Argon2 runs). Usage: node scripts/bench-hash.mjs <concurrency> <milliseconds>
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuByThread } from "./processes.mjs";

const fnRequire = createRequire(join(dirname(fileURLToPath(import.meta.url)), "..", "functions", "package.json"));
const argon2 = fnRequire("@node-rs/argon2");
// The project's hasher parameters, from the built function.
const { OWASP_ARGON2ID } = fnRequire("./lib/adapters/argon2-hasher.js");
const [concurrency, durationMs] = process.argv.slice(2).map(Number);
const PASSWORD = "correct horse battery staple";

const phc = await argon2.hash(PASSWORD, {
  algorithm: 2, // Argon2id
  memoryCost: OWASP_ARGON2ID.memoryKiB,
  timeCost: OWASP_ARGON2ID.iterations,
  parallelism: OWASP_ARGON2ID.parallelism,
});
for (let i = 0; i < 4; i++) await argon2.verify(phc, PASSWORD); // warm: threads started, code paged in
const poolBefore = cpuByThread(process.pid).pool;
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
const pool = cpuByThread(process.pid).pool - poolBefore;
process.stdout.write(JSON.stringify({ perSecond: done / elapsed, cpuPerVerify: pool / done }));
