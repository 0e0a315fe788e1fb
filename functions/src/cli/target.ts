// Where the command line acts: the emulators, or a real project named with --project. Never a
// real project by default, and never a mix (one emulator host set without the other would send
// Auth or Firestore calls to production).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./errors.js";

export interface CliTarget {
  readonly kind: "emulators" | "project";
  readonly projectId: string;
}

const repoRoot = join(__dirname, "..", "..", "..");

function defaultProject(): string | undefined {
  const file = join(repoRoot, ".firebaserc");
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { projects?: { default?: string } };
  return parsed.projects?.default;
}

/** Chooses the target and sets the environment firebase-admin reads (project id, emulator hosts as given). */
export function chooseTarget(env: NodeJS.ProcessEnv, project: string | undefined): CliTarget {
  const firestore = (env.FIRESTORE_EMULATOR_HOST ?? "") !== "";
  const auth = (env.FIREBASE_AUTH_EMULATOR_HOST ?? "") !== "";
  if (firestore !== auth) {
    throw new UsageError(
      "only one of FIRESTORE_EMULATOR_HOST and FIREBASE_AUTH_EMULATOR_HOST is set: set both (the emulators) or neither (a real project)",
    );
  }
  const projectId = project ?? (firestore ? (env.GCLOUD_PROJECT ?? defaultProject()) : undefined);
  if (projectId === undefined || projectId === "") {
    throw new UsageError(
      "no emulators (FIRESTORE_EMULATOR_HOST, FIREBASE_AUTH_EMULATOR_HOST) and no --project: name the real project with --project ID",
    );
  }
  env.GCLOUD_PROJECT = projectId;
  env.GOOGLE_CLOUD_PROJECT = projectId;
  return { kind: firestore ? "emulators" : "project", projectId };
}
