// How long `users import` takes for many users on the local emulators (README, "Migrate your
// users"): writes a JSON file of N users (default 10,000) with bcrypt hashes, then imports it
// on a fresh stack and prints the time and users per second. `npm run bench:import -- [N]`.
// Not a test: the figure depends on the machine; it is printed, never asserted.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const count = Number(process.argv[2] ?? 10_000);
// One real bcrypt hash (cost 10, of "correct horse battery staple"); import checks its form, not the password.
const HASH = "$2b$10$lbi.8ibgn0.JlmuEPYU/5uKcvDQnj3Xl1lB55iidvMG.m8ywmrUKa";
const file = join(mkdtempSync(join(tmpdir(), "import-bench-")), "users.json");
const users = Array.from({ length: count }, (_, i) => ({ email: `bench${i}@import.example`, password_hash: HASH, name: `Bench ${i}` }));
writeFileSync(file, JSON.stringify({ users }));
console.log(`[bench:import] ${count} users in ${file}`);

// The CLI prints its own time and rate (on stderr) after the summary line.
const result = spawnSync("node", ["scripts/stack.mjs", "exec", "--", "node", "functions/lib/cli/main.js", "users", "import", file], {
  cwd: root,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
