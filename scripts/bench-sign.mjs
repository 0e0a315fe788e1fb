// `npm run bench:sign` (and part of `npm run bench`): the CPU one custom token costs the instance,
// by how it is signed, against one password verification. No network, no emulator:
//   - unsigned: firebase-admin under the Auth emulator (FIREBASE_AUTH_EMULATOR_HOST set, nothing
//     listening: minting never calls it), the baseline every other bench number includes;
//   - local RS256 (TOKEN_SIGNING=key): firebase-admin's cert() credential with a throwaway
//     2048-bit RSA key made here (node:crypto), as a service account key would be;
//   - one Argon2id verification at the project's hasher settings (m=19456, t=2, p=1).
// IAM's signBlob (TOKEN_SIGNING=iam, the default) cannot be measured offline: its cost is a
// network round trip per token, not this process's CPU (docs/architecture.md, "Custom-token
// signing"). CPU is process.cpuUsage() (user + system, every thread: Argon2 runs on libuv's pool),
// sequential calls, median of interleaved rounds; ratios only, the absolute times vary with the
// machine. Usage: node scripts/bench-sign.mjs [--rounds 5] [--json]
import { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const fnRequire = createRequire(join(dirname(fileURLToPath(import.meta.url)), "..", "functions", "package.json"));
const argon2 = fnRequire("@node-rs/argon2");
const { cert, initializeApp } = fnRequire("firebase-admin/app");
const { getAuth } = fnRequire("firebase-admin/auth");

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf("--rounds") + 1]) || 5;
const json = args.includes("--json");
const PASSWORD = "correct horse battery staple";
const CLAIMS = { role_id: 1, sid: "0123456789abcdef0123456789abcdef" };
const projectId = "demo-bench-sign";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const clientEmail = `token-signer@${projectId}.iam.gserviceaccount.com`;
// firebase-admin picks the signer when an Auth is made: the unsigned one under the emulator variable.
delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
const signed = getAuth(initializeApp({ credential: cert({ projectId, clientEmail, privateKey }), projectId }, "signed"));
process.env.FIREBASE_AUTH_EMULATOR_HOST = "127.0.0.1:9";
const unsigned = getAuth(initializeApp({ projectId }, "unsigned"));
delete process.env.FIREBASE_AUTH_EMULATOR_HOST;

const phc = await argon2.hash(PASSWORD, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });

/** Milliseconds of process CPU per call of `op`, over `n` sequential calls. */
async function cpuPerCall(op, n) {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await op(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / n;
}

const ops = {
  unsigned: [(i) => unsigned.createCustomToken(`uid-${i}`, CLAIMS), 4000],
  rs256: [(i) => signed.createCustomToken(`uid-${i}`, CLAIMS), 1000],
  verify: [() => argon2.verify(phc, PASSWORD), 30],
};
const header = JSON.parse(Buffer.from((await signed.createCustomToken("u", CLAIMS)).split(".")[0], "base64url").toString());
if (header.alg !== "RS256") throw new Error(`expected an RS256 token, got ${header.alg}`);
for (const [op, n] of Object.values(ops)) await cpuPerCall(op, Math.ceil(n / 10)); // warm: code compiled, pool threads started

const samples = { unsigned: [], rs256: [], verify: [] };
for (let r = 0; r < rounds; r++) {
  const names = Object.keys(ops);
  for (const name of [...names.slice(r % names.length), ...names.slice(0, r % names.length)]) {
    const [op, n] = ops[name];
    samples[name].push(await cpuPerCall(op, n));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const result = {
  unsignedMs: median(samples.unsigned),
  rs256Ms: median(samples.rs256),
  verifyMs: median(samples.verify),
};
result.rs256OverVerify = result.rs256Ms / result.verifyMs;
result.rs256OverUnsigned = result.rs256Ms / result.unsignedMs;
result.signingOverVerify = (result.rs256Ms - result.unsignedMs) / result.verifyMs;

if (json) {
  process.stdout.write(JSON.stringify(result));
} else {
  const fmt = (x, d = 3) => x.toFixed(d);
  console.log(`bench:sign: CPU per call, process.cpuUsage(), median of ${rounds} interleaved rounds; Node ${process.version}`);
  console.log(`  custom token, unsigned (Auth emulator):      ${fmt(result.unsignedMs)} ms`);
  console.log(`  custom token, local RS256 (cert(), 2048-bit): ${fmt(result.rs256Ms)} ms (${fmt(result.rs256OverUnsigned, 1)}x unsigned)`);
  console.log(`  one Argon2id verification (m=19456 t=2 p=1): ${fmt(result.verifyMs)} ms`);
  console.log(
    `  local signing costs ${fmt(100 * result.rs256OverVerify, 1)} % of one password verification ` +
      `(${fmt(100 * result.signingOverVerify, 1)} % more than an unsigned token)`,
  );
}
