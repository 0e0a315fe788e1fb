// Which Firestore the local stack runs on, and how the real one is found and started.
//
// The real Firestore emulator is the Google Cloud CLI's (Debian package
// `google-cloud-cli-firestore-emulator`, or `gcloud components install cloud-firestore-emulator`):
// a shell wrapper around a Java archive. It is started directly, not through
// `firebase emulators:start --only firestore`, because firebase-tools refuses Java below 21 and
// downloads its own copy of the archive; the Cloud CLI's copy runs on Java 17 and needs no
// download. Where it is missing, the offline stand-in (`offline-firestore.mjs`) is the fallback.
//
// STACK_FIRESTORE: unset or `auto` = the real one where present, else the offline one;
// `real` = the real one or a clear failure; `offline` = the stand-in.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

const LAUNCHER = join("platform", "cloud-firestore-emulator", "cloud_firestore_emulator");
const JAR = "cloud-firestore-emulator.jar";

/** Cloud SDK roots to look in, most specific first. */
function sdkRoots() {
  const roots = [];
  if (process.env.CLOUDSDK_ROOT_DIR) roots.push(process.env.CLOUDSDK_ROOT_DIR);
  // `gcloud` on PATH is usually a symlink into <sdk root>/bin.
  const which = spawnSync("sh", ["-c", "command -v gcloud"], { encoding: "utf8" });
  if (which.status === 0 && which.stdout.trim() !== "") {
    try {
      const real = execFileSync("readlink", ["-f", which.stdout.trim()], { encoding: "utf8" }).trim();
      roots.push(dirname(dirname(real)));
    } catch {
      // not a resolvable path: the well-known places below still apply
    }
  }
  roots.push("/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk", "/opt/google-cloud-sdk", join(homedir(), "google-cloud-sdk"));
  return [...new Set(roots)];
}

/** The Java runtime's version line, or undefined when `java` does not run. */
function javaVersion() {
  const result = spawnSync(process.env.JAVA ?? "java", ["-version"], { encoding: "utf8" });
  if (result.status !== 0) return undefined;
  return (result.stderr || result.stdout).split("\n")[0]?.trim();
}

/**
 * Finds the real emulator. Returns `{ launcher, java }`, or `{ missing }` saying what is missing.
 * `FIRESTORE_EMULATOR_LAUNCHER` names the wrapper explicitly.
 */
export function findRealFirestore() {
  const candidates = process.env.FIRESTORE_EMULATOR_LAUNCHER
    ? [process.env.FIRESTORE_EMULATOR_LAUNCHER]
    : sdkRoots().map((root) => join(root, LAUNCHER));
  const launcher = candidates.find((path) => existsSync(path) && existsSync(join(dirname(path), JAR)));
  if (launcher === undefined) {
    return { missing: `the Cloud CLI's Firestore emulator (looked for ${candidates.join(", ")})` };
  }
  const java = javaVersion();
  if (java === undefined)
    return { missing: "a Java runtime (`java` on PATH; Java 17 is what it was checked on) for the Firestore emulator" };
  return { launcher, java };
}

/**
 * Decides the mode from STACK_FIRESTORE and what is installed.
 * Returns `{ mode: "real", launcher, java }` or `{ mode: "offline", reason }`; throws when
 * `real` is demanded and cannot be had.
 */
export function chooseFirestore(requested = process.env.STACK_FIRESTORE ?? "auto") {
  if (!["auto", "real", "offline", ""].includes(requested)) {
    throw new Error(`STACK_FIRESTORE must be auto, real or offline, not "${requested}"`);
  }
  if (requested === "offline") return { mode: "offline", reason: "STACK_FIRESTORE=offline" };
  const found = findRealFirestore();
  if (found.missing === undefined) return { mode: "real", ...found };
  if (requested === "real") {
    throw new Error(
      `STACK_FIRESTORE=real, but the real Firestore emulator cannot start: missing ${found.missing}. ` +
        "Install it with `sudo apt-get install google-cloud-cli-firestore-emulator` (Google's apt repository) " +
        "or `gcloud components install cloud-firestore-emulator`, or set FIRESTORE_EMULATOR_LAUNCHER.",
    );
  }
  return { mode: "offline", reason: `missing ${found.missing}` };
}

/** The arguments that start the real emulator on host:port. */
export function realFirestoreArgs(host, port, projectId) {
  return ["start", `--host=${host}`, `--port=${port}`, `--project_id=${projectId}`];
}

/** True once the real emulator answers its root URL with "Ok". */
export async function realFirestoreReady(host, port) {
  const response = await fetch(`http://${host}:${port}/`);
  return response.ok && (await response.text()).trim() === "Ok";
}

/**
 * Loads security rules into the real emulator for one project (the endpoint firebase-tools and
 * @firebase/rules-unit-testing use). Throws with the emulator's message when the rules do not
 * compile.
 */
export async function loadRules(host, port, projectId, source) {
  const response = await fetch(`http://${host}:${port}/emulator/v1/projects/${projectId}:securityRules`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ rules: { files: [{ name: "firestore.rules", content: source }] } }),
  });
  if (!response.ok) {
    throw new Error(`the Firestore emulator refused firestore.rules (${response.status}): ${await response.text()}`);
  }
}

/** What is not tested when the stand-in runs: printed as a banner wherever it is used. */
export function offlineBanner(reason) {
  const line = "!".repeat(78);
  return `
${line}
!!! Firestore: the OFFLINE STAND-IN (@firestore-emulator/server), because ${reason}.
!!! NOT tested on it: security rules (firestore.rules; those tests are reported pending),
!!! transaction isolation and contention, collection-group queries.
!!! The real emulator: install the Cloud CLI's google-cloud-cli-firestore-emulator and Java 17+,
!!! then run again (or force it with STACK_FIRESTORE=real).
${line}
`;
}
