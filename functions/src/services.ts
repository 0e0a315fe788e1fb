// The composition root: the one place where the use cases' `Deps` meet their adapters.
// firebase-admin, Firestore's gRPC client and Argon2 are loaded here, on the first request that
// needs them (not at module load), and once per instance: the one lazy step of the codebase.
import { type Config, config, runningProject, serverSecret, smtpUrl, tokenSigningKey } from "./config.js";
import { isCommonPassword } from "./domain/common-passwords.js";
import type { Deps } from "./domain/deps.js";
import { hmacKeys } from "./domain/ids.js";
import type { PasskeySettings } from "./domain/passkeys.js";
import type { AppCheckTokens, Mailer, TokenMinter } from "./domain/ports.js";
import { secretBox } from "./domain/sealed-secret.js";
import { successorToken } from "./domain/tokens.js";
import { authEvents } from "./logs.js";

let deps: Promise<Deps> | undefined;

export function getDeps(): Promise<Deps> {
  deps ??= build(config()).catch((error: unknown) => {
    deps = undefined; // a failed start-up is retried by the next request
    throw error;
  });
  return deps;
}

async function build(cfg: Config): Promise<Deps> {
  const [
    firebase,
    { Argon2Hasher },
    { FirestoreAccountStore },
    { FirestoreSessionStore },
    { FirestoreThrottleStore },
    { FirebaseTokenMinter },
    { FirebaseAuthUsers },
    { FirebaseIdTokenVerifier },
    { FirestoreCodeStore },
    { FirestoreChallengeStore },
    { FirestoreMailQueue },
    { MigratingHasher },
    { LimitedHasher },
    { FirestorePasskeyStore },
    { appCheckVerifier },
    { googleAppCheckTokens, ledgerAppCheckTokens },
    { DocumentReads },
  ] = await Promise.all([
    import("./firebase.js"),
    import("./adapters/argon2-hasher.js"),
    import("./adapters/firestore-account-store.js"),
    import("./adapters/firestore-session-store.js"),
    import("./adapters/firestore-throttle-store.js"),
    import("./adapters/firebase-token-minter.js"),
    import("./adapters/firebase-auth-users.js"),
    import("./adapters/firebase-id-token-verifier.js"),
    import("./adapters/firestore-code-store.js"),
    import("./adapters/firestore-challenge-store.js"),
    import("./adapters/firestore-mail-queue.js"),
    import("./adapters/migrating-hasher.js"),
    import("./adapters/limited-hasher.js"),
    import("./adapters/firestore-passkey-store.js"),
    import("./adapters/app-check-verifier.js"),
    import("./adapters/app-check-tokens.js"),
    import("./adapters/document-reads.js"),
  ]);
  // The secret (AUTH_HMAC_KEY) is read when a key is first derived, not at start-up: a request
  // refused before that (a 400, 404, 405, 415) never needs it.
  let secret: Buffer | undefined;
  const key = (): Buffer => (secret ??= serverSecret());
  const argon2 = { memoryKiB: cfg.ARGON2_MEMORY_KIB, iterations: cfg.ARGON2_ITERATIONS, parallelism: cfg.ARGON2_PARALLELISM };
  const db = firebase.adminFirestore();
  const auth = firebase.adminAuth();
  const sessions = new FirestoreSessionStore(db);
  // One batcher for the stores' lookups: a login's credential and throttle counters in one getAll.
  const reads = new DocumentReads(db);
  const clock = { now: () => new Date() };
  // TOKEN_SIGNING=key: signed in this process with the TOKEN_SIGNING_KEY secret (firebase.ts,
  // signingAuth), read at the first token so that the command line's other commands never need
  // it (the `auth` function checks it at start-up: index.ts). Under the Auth emulator without a
  // key, unsigned tokens from the default app, as with `iam`.
  let keyed: TokenMinter | undefined;
  const minter: TokenMinter =
    cfg.TOKEN_SIGNING === "iam"
      ? new FirebaseTokenMinter(auth)
      : {
          mint: async (uid, claims) => {
            if (keyed === undefined) {
              const signingKey = tokenSigningKey(cfg.TOKEN_SIGNING);
              keyed = new FirebaseTokenMinter(signingKey === undefined ? auth : firebase.signingAuth(signingKey));
            }
            return keyed.mint(uid, claims);
          },
        };
  // App Check: Google's key set and its consume API, or a local key set (APP_CHECK_LOCAL_JWKS,
  // never deployed: config.ts) with a Firestore ledger of used tokens. Used only by routes whose
  // mode is not "off" (http/app-check.ts); Google's key set is fetched at the first such token.
  // Made at the first token (a command line run never needs the project id the verifier asks for).
  let appCheckMade: AppCheckTokens | undefined;
  const appCheckOf = (): AppCheckTokens => {
    if (appCheckMade !== undefined) return appCheckMade;
    const local = cfg.APP_CHECK_LOCAL_JWKS;
    const verifier = appCheckVerifier({
      projectId: runningProject(process.env) ?? "",
      projectNumber: cfg.APP_CHECK_PROJECT_NUMBER,
      keys: local ?? "google",
    });
    appCheckMade = local === undefined ? googleAppCheckTokens(verifier, firebase.adminAppCheck) : ledgerAppCheckTokens(verifier, db);
    return appCheckMade;
  };
  return {
    accounts: new FirestoreAccountStore(db, reads),
    codes: new FirestoreCodeStore(db),
    challenges: new FirestoreChallengeStore(db),
    sessions,
    throttle: new FirestoreThrottleStore(db, reads),
    authUsers: new FirebaseAuthUsers(auth),
    idTokens: new FirebaseIdTokenVerifier(auth, sessions, clock),
    minter,
    mailer: cfg.MAIL_TRANSPORT === "smtp" ? smtpMailer(cfg) : new FirestoreMailQueue(db, cfg.MAIL_COLLECTION),
    // Argon2id for every new hash; imported users' foreign hashes verified until their first login.
    hasher: new LimitedHasher(new MigratingHasher(new Argon2Hasher(argon2), argon2), cfg.HASH_CONCURRENCY),
    clock,
    events: authEvents,
    keys: hmacKeys(key),
    secrets: secretBox(key),
    successorOf: (token: string) => successorToken(key(), token),
    lifetimes: { idleSeconds: cfg.REFRESH_IDLE_TTL_SECONDS, absoluteSeconds: cfg.SESSION_ABSOLUTE_TTL_SECONDS },
    policy: { minLength: cfg.PASSWORD_MIN_LENGTH, maxLength: cfg.PASSWORD_MAX_LENGTH, isCommon: isCommonPassword },
    maxSessions: cfg.MAX_SESSIONS_PER_USER,
    defaultRoleId: cfg.DEFAULT_ROLE_ID,
    adminRoleId: cfg.ADMIN_ROLE_ID,
    reuseIntervalSeconds: cfg.REFRESH_REUSE_INTERVAL_SECONDS,
    mail: { appName: cfg.APP_NAME, codeTtlMinutes: cfg.CODE_TTL_MINUTES },
    verification: { sendOnSignup: cfg.SEND_VERIFICATION_ON_SIGNUP, required: cfg.REQUIRE_VERIFIED_EMAIL },
    loginCode: { enabled: cfg.LOGIN_CODE, signup: cfg.LOGIN_CODE_SIGNUP },
    passkeys: new FirestorePasskeyStore(db),
    passkeySettings: passkeySettings(cfg),
    appCheck: {
      mode: cfg.APP_CHECK,
      consume: cfg.APP_CHECK_CONSUME,
      tokens: {
        verify: async (token) => appCheckOf().verify(token),
        consume: async (token, claims) => appCheckOf().consume(token, claims),
      },
    },
  };
}

/**
 * The SMTP mailer, made at the first mail (nodemailer loaded, SMTP_URL read then): a missing or
 * malformed SMTP_URL fails the mails, never a login or the command line.
 */
function smtpMailer(cfg: Config): Mailer {
  let made: Promise<Mailer> | undefined;
  const make = async (): Promise<Mailer> => {
    const { SmtpMailer } = await import("./adapters/smtp-mailer.js");
    return new SmtpMailer(smtpUrl(), cfg.MAIL_FROM === "" ? undefined : cfg.MAIL_FROM);
  };
  return {
    send: async (message) => {
      made ??= make().catch((error: unknown) => {
        made = undefined;
        throw error;
      });
      return (await made).send(message);
    },
  };
}

/** PASSKEY_* as the passkey use cases take them; null when PASSKEY_RP_ID is unset (no passkeys). */
export function passkeySettings(cfg: Config): PasskeySettings | null {
  const rpId = cfg.PASSKEY_RP_ID;
  if (rpId === undefined) return null;
  const androidApps = new Map<string, string[]>();
  for (const entry of cfg.PASSKEY_ANDROID_PACKAGES) {
    const at = entry.indexOf("@");
    const packageName = entry.slice(0, at);
    androidApps.set(packageName, [...(androidApps.get(packageName) ?? []), entry.slice(at + 1).toUpperCase()]);
  }
  return {
    rpId,
    rpName: cfg.PASSKEY_RP_NAME === "" ? cfg.APP_NAME : cfg.PASSKEY_RP_NAME,
    origins: cfg.PASSKEY_ORIGINS.length > 0 ? cfg.PASSKEY_ORIGINS : [`https://${rpId}`],
    androidApps: [...androidApps].map(([packageName, fingerprints]) => ({ packageName, fingerprints })),
    appleAppIds: cfg.PASSKEY_APPLE_APP_IDS,
  };
}
