// `users import`: reads the file as a stream, imports up to `concurrency` users at a time
// (domain/import-users.ts), reports each bad row with its position, shows a progress bar on a
// terminal, and ends with `imported N, skipped M, failed K`.
import { SingleBar } from "cli-progress";
import type { Deps } from "../domain/deps.js";
import { ImportRejected, importUser } from "../domain/import-users.js";
import { UsageError } from "./errors.js";
import { detectFormat, type Entry, type FirebaseHashParams, type Format, readUsers } from "./formats.js";

export interface ImportOptions {
  readonly format: Format | "auto";
  readonly params: FirebaseHashParams | undefined;
  readonly dryRun: boolean;
  readonly concurrency: number;
  readonly json: boolean;
}

export interface ImportSummary {
  imported: number;
  skipped: number;
  failed: number;
  readonly failures: { readonly position: string; readonly reason: string }[];
  readonly skips: { readonly position: string; readonly uid: string; readonly reason: string }[];
}

async function countEntries(file: string, format: Format): Promise<number> {
  let count = 0;
  for await (const _ of readUsers(file, format)) count++;
  return count;
}

export async function runImport(file: string, options: ImportOptions, deps: Deps): Promise<ImportSummary> {
  const detected = options.format === "auto" ? await detectFormat(file) : options.format;
  if (detected === null) throw new UsageError(`cannot tell the format of ${file}: pass --format json|firebase|supabase|csv`);
  if (detected === "firebase" && options.params === undefined) {
    throw new UsageError(
      "a Firebase export needs the project's password-hash parameters: --hash-key B64 --salt-separator B64 --rounds N --mem-cost N " +
        "(Firebase console > Authentication > Users > ... > Password hash parameters)",
    );
  }
  const bar = process.stderr.isTTY && !options.json ? new SingleBar({ noTTYOutput: false, etaBuffer: 200 }) : undefined;
  bar?.start(await countEntries(file, detected), 0);
  const summary: ImportSummary = { imported: 0, skipped: 0, failed: 0, failures: [], skips: [] };
  const seen = new Set<string>();
  const started = performance.now();
  const running = new Set<Promise<void>>();

  const one = async (entry: Entry): Promise<void> => {
    try {
      if ("error" in entry) throw new ImportRejected(entry.error);
      if ("skip" in entry) {
        summary.skipped++;
        summary.skips.push({ position: entry.position, uid: "", reason: entry.skip });
        return;
      }
      const canonical = entry.user.email.trim().toLowerCase();
      if (seen.has(canonical)) throw new ImportRejected("duplicate email (an earlier entry of this file has it)");
      seen.add(canonical);
      const outcome = await importUser(entry.user, { dryRun: options.dryRun }, deps);
      if (outcome.status === "exists") {
        summary.skipped++;
        const reason = outcome.sameUid ? "already imported" : "email already registered";
        summary.skips.push({ position: entry.position, uid: outcome.uid, reason });
      } else {
        summary.imported++;
      }
    } catch (error) {
      summary.failed++;
      const reason = error instanceof ImportRejected ? error.message : `error: ${error instanceof Error ? error.message : String(error)}`;
      summary.failures.push({ position: entry.position, reason });
    } finally {
      bar?.increment();
    }
  };

  for await (const entry of readUsers(file, detected, options.params)) {
    const task = one(entry).finally(() => running.delete(task));
    running.add(task);
    if (running.size >= options.concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  bar?.stop();
  const verb = options.dryRun ? "would import" : "imported";
  if (options.json) {
    console.log(JSON.stringify({ format: detected, dry_run: options.dryRun, ...summary }, null, 2));
  } else {
    for (const { position, reason } of summary.failures) console.error(`${position}: ${reason}`);
    if (summary.skips.length > 0)
      console.error(`${summary.skips.length} skipped: an account exists, or the source deleted the user (--json lists them)`);
    console.log(`${verb} ${summary.imported}, skipped ${summary.skipped}, failed ${summary.failed}`);
    const seconds = (performance.now() - started) / 1000;
    const entries = summary.imported + summary.skipped + summary.failed;
    console.error(`[import] ${entries} entries in ${seconds.toFixed(1)} s (${(entries / seconds).toFixed(0)} per second)`);
  }
  return summary;
}
