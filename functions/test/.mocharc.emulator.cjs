// Emulator tests. EMULATOR_SUITE picks the files (scripts/test.mjs sets it):
//   all (default)  every file
//   main           every file but the fault-injection tests (run on the real Firestore emulator)
//   faults         the tests that need the offline stand-in's fault switch, with the
//                  stand-in's integrity checks and the log scan (run on the offline stand-in)
// zz-logs.emulator.test.ts scans the suite's log for secrets: it stays last in every suite.
const { readdirSync } = require("node:fs");
const { join } = require("node:path");

const dir = join(__dirname, "emulator");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".emulator.test.ts"))
  .sort();
const FAULTS = ["faults.emulator.test.ts", "integrity.emulator.test.ts", "zz-logs.emulator.test.ts"];
const suite = process.env.EMULATOR_SUITE ?? "all";
const chosen = {
  all: files,
  main: files.filter((f) => f !== "faults.emulator.test.ts"),
  faults: files.filter((f) => FAULTS.includes(f)),
}[suite];
if (chosen === undefined) throw new Error(`EMULATOR_SUITE must be all, main or faults, not "${suite}"`);

module.exports = {
  spec: chosen.map((f) => join("test", "emulator", f)),
  "node-option": ["import=tsx"],
  timeout: 60000,
  reporter: "spec",
};
