// Every test, in one command (`npm test`, after bootstrap.mjs has installed and built):
//   1. the linter and formatter check (Biome), type-checking (strict TypeScript, tests
//      included) and the unit tests;
//   2. the emulator suite on a fresh stack: on the REAL Firestore emulator wherever it is
//      installed (rules tests included), else on the offline stand-in with a banner;
//   3. with the real emulator, the fault-injection tests (which need the stand-in's fault
//      switch) on a second, offline stack.
// STACK_FIRESTORE=offline runs step 2 on the stand-in (all of it, faults included, no step 3);
// STACK_FIRESTORE=real demands the real emulator. Exits non-zero at the first failing step.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chooseFirestore } from "./firestore-emulator.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}` };
const summary = [];

function step(label, command, args, extraEnv = {}) {
  console.log(`\n[test] ${label}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: "inherit" });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const code = result.status ?? 1;
  summary.push(`${code === 0 ? "passed" : "FAILED"}  ${label} (${seconds} s)`);
  if (code !== 0) finish(code);
}

function finish(code) {
  console.log(`\n[test] summary\n${summary.map((line) => `  ${line}`).join("\n")}`);
  process.exit(code);
}

const firestore = chooseFirestore();
const STACK_EXEC_EMULATOR_TESTS = ["scripts/stack.mjs", "exec", "--", "npm", "--prefix", "functions", "run", "--silent", "test:emulator"];

step("lint and format check (biome; `npm run fix` repairs)", "npx", ["biome", "check", "--error-on-warnings", "."]);
step("type-check", "npm", ["--prefix", "functions", "run", "--silent", "typecheck"]);
step("unit tests", "npm", ["--prefix", "functions", "run", "--silent", "test:unit"]);

if (firestore.mode === "real") {
  step("emulator tests on the REAL Firestore emulator (rules included)", "node", STACK_EXEC_EMULATOR_TESTS, {
    STACK_FIRESTORE: "real",
    EMULATOR_SUITE: "main",
  });
  step("fault-injection tests on the offline stand-in (its fault switch)", "node", STACK_EXEC_EMULATOR_TESTS, {
    STACK_FIRESTORE: "offline",
    EMULATOR_SUITE: "faults",
  });
} else {
  // The stack makes the same choice and prints the banner with its reason.
  step("emulator tests on the OFFLINE STAND-IN (rules tests pending)", "node", STACK_EXEC_EMULATOR_TESTS, { EMULATOR_SUITE: "all" });
  summary.push(`NOT RUN  Firestore rules tests and the real emulator's isolation (${firestore.reason})`);
}
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(chromium)) {
  summary.push(`NOT RUN  the browser test (no Chromium at ${chromium}: apt-get install chromium, or set CHROMIUM_PATH)`);
}
finish(0);
