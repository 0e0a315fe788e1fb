// The commands, on the same Deps and domain code as the HTTP routes (services.ts builds them).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { removeAccount, signedIn } from "../domain/account.js";
import { applyDisabled, applyFactorRemoval, applyRole } from "../domain/admin.js";
import type { Deps } from "../domain/deps.js";
import { parseEmail } from "../domain/email.js";
import type { Account } from "../domain/model.js";
import type { AuthEvents } from "../domain/ports.js";
import { getDeps } from "../services.js";
import { CliError, UsageError } from "./errors.js";
import { FORMATS, type Format } from "./formats.js";
import { runImport } from "./import.js";
import type { CliTarget } from "./target.js";

export interface CliOptions {
  readonly json: boolean;
  readonly dryRun: boolean;
  readonly format?: string | undefined;
  readonly concurrency?: string | undefined;
  readonly "hash-key"?: string | undefined;
  readonly "salt-separator"?: string | undefined;
  readonly rounds?: string | undefined;
  readonly "mem-cost"?: string | undefined;
}

const functionsDir = join(__dirname, "..", "..");

/**
 * AUTH_HMAC_KEY keys every credential id: from the environment, or on the emulators from
 * functions/.secret.local (where the stack keeps its test-only value).
 */
function ensureHmacKey(target: CliTarget): void {
  if ((process.env.AUTH_HMAC_KEY ?? "") !== "") return;
  const file = join(functionsDir, ".secret.local");
  const line = target.kind === "emulators" && existsSync(file) ? /^AUTH_HMAC_KEY=(.*)$/m.exec(readFileSync(file, "utf8")) : null;
  if (line?.[1] !== undefined) {
    process.env.AUTH_HMAC_KEY = line[1];
    return;
  }
  throw new CliError(
    "AUTH_HMAC_KEY is not set: for a real project, AUTH_HMAC_KEY=$(gcloud secrets versions access latest --secret AUTH_HMAC_KEY --project ID) npm run cli -- ...",
  );
}

/** Security events of the command line: one JSON line each on stderr (stdout is the command's answer). */
const cliEvents: AuthEvents = {
  security: (event) => console.error(JSON.stringify({ security: true, ...event })),
  rollbackFailed: (uid, error) => console.error(JSON.stringify({ event: "rollback_failed", uid, error: String(error) })),
  followUpFailed: (step, uid, error) => console.error(JSON.stringify({ event: "follow_up_failed", step, uid, error: String(error) })),
  authUserRepaired: () => undefined,
  passwordRehashed: () => undefined,
};

const ACTOR = "cli";

function print(options: CliOptions, value: Record<string, unknown>, text: string): void {
  console.log(options.json ? JSON.stringify(value, null, 2) : text);
}

async function account(deps: Deps, email: string): Promise<Account> {
  const found = await deps.accounts.findByEmail(parseEmail(email, deps.keys));
  if (found === null) throw new CliError(`no account with the email ${email}`);
  return found;
}

async function userJson(deps: Deps, a: Account): Promise<Record<string, unknown>> {
  return {
    uid: a.uid,
    email: a.email,
    name: a.displayName,
    role_id: a.roleId,
    email_verified: a.emailVerified,
    disabled: a.disabled,
    mfa_enabled: a.secondFactor !== null,
    created_at: a.createdAt.toISOString(),
    auth_user_synced: a.authUserSynced,
    // Which encoding the stored hash has: "argon2id" once the user logged in after an import.
    password_scheme: await deps.hasher.scheme(a.passwordHash),
  };
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new UsageError(`${flag} must be a whole number`);
  return Number(value);
}

export async function runCommand(positionals: readonly string[], options: CliOptions, target: CliTarget): Promise<number> {
  const [group, command, ...args] = positionals;
  const need = (count: number): string[] => {
    if (args.length !== count) throw new UsageError(`${group} ${command} takes ${count} argument(s)`);
    return args;
  };
  if (
    !(
      (group === "users" && ["import", "show", "set-role", "disable", "enable", "mfa-disable", "delete"].includes(command ?? "")) ||
      (group === "token" && command === "mint")
    )
  ) {
    throw new UsageError(`unknown command: ${positionals.join(" ")}`);
  }
  ensureHmacKey(target);
  const deps: Deps = { ...(await getDeps()), events: cliEvents };
  console.error(`[cli] ${target.kind === "emulators" ? "emulators" : "PROJECT"} ${target.projectId}`);

  if (group === "token") {
    const [email = ""] = need(1);
    const a = await account(deps, email);
    if (a.disabled) throw new CliError(`the account of ${email} is disabled`);
    // A real session (its live record, a refresh token): a custom token of no session would be
    // refused by the API and by the rules' liveSession().
    const session = await signedIn(a, deps, { device: "Command line" });
    print(options, { uid: a.uid, custom_token: session.jwtToken, refresh_token: session.refreshToken }, session.jwtToken);
    return 0;
  }
  switch (command) {
    case "import": {
      const [file = ""] = need(1);
      const format = options.format ?? "auto";
      if (format !== "auto" && !(FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`--format must be auto, ${FORMATS.join(", ")}`);
      }
      const rounds = positiveInt(options.rounds, "--rounds");
      const memCost = positiveInt(options["mem-cost"], "--mem-cost");
      const signerKey = options["hash-key"];
      const saltSeparator = options["salt-separator"] ?? "";
      const params =
        signerKey === undefined || rounds === undefined || memCost === undefined
          ? undefined
          : { signerKey, saltSeparator, rounds, memCost };
      const summary = await runImport(
        file,
        {
          format: format as Format | "auto",
          params,
          dryRun: options.dryRun,
          concurrency: positiveInt(options.concurrency, "--concurrency") ?? 16,
          json: options.json,
        },
        deps,
      );
      return summary.failed > 0 ? 1 : 0;
    }
    case "show": {
      const [email = ""] = need(1);
      const json = await userJson(deps, await account(deps, email));
      print(
        options,
        json,
        Object.entries(json)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join("\n"),
      );
      return 0;
    }
    case "set-role": {
      const [email = "", role = ""] = need(2);
      const roleId = positiveInt(role, "ROLE_ID") ?? 0;
      if (roleId > 1_000_000) throw new UsageError("ROLE_ID must be at most 1000000");
      const a = await account(deps, email);
      await applyRole(a, roleId, ACTOR, deps);
      print(
        options,
        { uid: a.uid, role_id: roleId },
        `${email}: role_id ${roleId} (Firebase sessions revoked; the next refresh carries it)`,
      );
      return 0;
    }
    case "disable":
    case "enable": {
      const [email = ""] = need(1);
      const a = await account(deps, email);
      await applyDisabled(a, command === "disable", ACTOR, deps);
      print(options, { uid: a.uid, disabled: command === "disable" }, `${email}: ${command}d`);
      return 0;
    }
    case "mfa-disable": {
      // A user who lost both the authenticator and the recovery codes, once the operator checked
      // who they are: the factor goes (a security event with actor `cli`, a notice mailed).
      const [email = ""] = need(1);
      const a = await account(deps, email);
      const had = a.secondFactor !== null;
      await applyFactorRemoval(a, ACTOR, "en", deps);
      print(options, { uid: a.uid, mfa_enabled: false }, had ? `${email}: second factor removed` : `${email}: had no second factor`);
      return 0;
    }
    default: {
      const [email = ""] = need(1);
      const a = await account(deps, email);
      await removeAccount(a, a.uid, deps);
      print(options, { uid: a.uid, deleted: true }, `${email}: deleted (users/${a.uid}, sessions, server records, Firebase user)`);
      return 0;
    }
  }
}
