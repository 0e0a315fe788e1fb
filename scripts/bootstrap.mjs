// Makes a fresh clone runnable: installs the root tooling (which brings Node 22 as the npm
// package `node`), then the functions' dependencies WITH Node 22 on PATH (installed with
// Node 20, npm silently skips firebase-admin's optional @google-cloud/firestore), then builds
// the functions. Each install runs only when its lockfile changed since the last one.
// Runs on whatever Node is first on PATH (the machine's Node 20 on a fresh clone).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const functionsDir = join(root, "functions");
const binDir = join(root, "node_modules", ".bin");
const env = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ""}` };

function installIfChanged(dir, label) {
  const lock = readFileSync(join(dir, "package-lock.json"));
  const digest = createHash("sha256").update(lock).digest("hex");
  const stamp = join(dir, "node_modules", ".installed-lock-sha256");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return;
  console.log(`[bootstrap] npm ci (${label}) ...`);
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, env, stdio: "inherit" });
  writeFileSync(stamp, digest);
}

installIfChanged(root, "tooling: Node 22, firebase-tools, offline Firestore");
const version = execFileSync("node", ["--version"], { env, encoding: "utf8" }).trim();
if (!version.startsWith("v22.")) {
  throw new Error(`[bootstrap] expected Node 22 from node_modules/.bin, found ${version}`);
}
installIfChanged(functionsDir, "functions");
if (!existsSync(join(functionsDir, "node_modules", "@google-cloud", "firestore"))) {
  throw new Error("[bootstrap] @google-cloud/firestore is missing: functions were installed without Node 22");
}
execFileSync("npm", ["run", "--silent", "build"], { cwd: functionsDir, env, stdio: "inherit" });
