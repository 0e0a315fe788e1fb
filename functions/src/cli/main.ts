// The administrator's command line (docs/migrate.md, "Command line"): `npm run cli -- <command>`.
//   users import FILE [--format auto|json|firebase|supabase|csv] [--hash-key B64 --salt-separator B64
//                     --rounds N --mem-cost N] [--dry-run] [--concurrency N]
//   users show EMAIL | set-role EMAIL ROLE_ID | disable EMAIL | enable EMAIL | mfa-disable EMAIL | delete EMAIL
//   token mint EMAIL
// Options: --project ID, --json. Each command runs the same domain code as the matching endpoint.
// Against the emulators when FIRESTORE_EMULATOR_HOST and FIREBASE_AUTH_EMULATOR_HOST are set
// (`npm run stack -- npm run cli -- ...`); against a real project only with --project (and
// Application Default Credentials), never by default.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { CliError, UsageError } from "./errors.js";
import { type CliTarget, chooseTarget } from "./target.js";

const USAGE = `Usage: npm run cli -- <command> [options]
  users import FILE [--format auto|json|firebase|supabase|csv] [--dry-run] [--concurrency N]
                    [--hash-key B64 --salt-separator B64 --rounds N --mem-cost N]   (Firebase exports)
  users show EMAIL
  users set-role EMAIL ROLE_ID
  users disable EMAIL | users enable EMAIL
  users mfa-disable EMAIL   (remove the second factor of a user who lost it and its recovery codes)
  users delete EMAIL
  token mint EMAIL
Options: --project ID (required for a real project; the emulators are used when their
         *_EMULATOR_HOST variables are set), --json (print JSON).`;

const functionsDir = join(__dirname, "..", "..");

/** functions/.env and .env.<project> (the deployed settings), under whatever the environment already sets. */
function loadSettings(projectId: string): void {
  for (const name of [".env", `.env.${projectId}`]) {
    const file = join(functionsDir, name);
    if (!existsSync(file)) continue;
    for (const [key, value] of Object.entries(parseEnv(readFileSync(file, "utf8")))) {
      if (process.env[key] === undefined && value !== undefined) process.env[key] = value;
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      project: { type: "string" },
      json: { type: "boolean", default: false },
      format: { type: "string", default: "auto" },
      "dry-run": { type: "boolean", default: false },
      concurrency: { type: "string", default: "16" },
      "hash-key": { type: "string" },
      "salt-separator": { type: "string" },
      rounds: { type: "string" },
      "mem-cost": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const target: CliTarget = chooseTarget(process.env, values.project);
  loadSettings(target.projectId);
  const { runCommand } = await import("./commands.js");
  return runCommand(positionals, { ...values, json: values.json, dryRun: values["dry-run"] }, target);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof CliError ? `error: ${error.message}` : error);
    process.exitCode = 1;
  },
);
