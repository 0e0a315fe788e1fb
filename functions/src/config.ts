import { createPrivateKey } from "node:crypto";
import type { JWK } from "jose";
import { z } from "zod";

// Every setting of the backend, read from the environment once and validated. On Cloud
// Functions the values come from `functions/.env` (and `.env.<project>`), which `firebase
// deploy` loads; locally the emulator reads the same files. A bad value stops the function at
// start-up with a message naming the variable, instead of misbehaving at request time.

const DAY = 24 * 60 * 60;

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** "true" or "false" (a .env file's words), as a boolean. */
const flag = (fallback: boolean) =>
  z
    .enum(["true", "false"], { error: 'must be "true" or "false"' })
    .default(fallback ? "true" : "false")
    .transform((value) => value === "true");

/** `text` is a web origin exactly as a browser writes it (scheme, host, a port only when not the default). */
function isOrigin(text: string): boolean {
  try {
    return new URL(text).origin === text;
  } catch {
    return false;
  }
}

const originList = z.string().transform((s) =>
  s
    .split(",")
    .map((o) => o.trim())
    .filter((o) => o.length > 0),
);

const EnvSchema = z.object({
  /** `role_id` given to new accounts (FlutterFlow's guide shows 1). */
  DEFAULT_ROLE_ID: int(0, 1_000_000, 1),
  /** `role_id` whose holders may change roles and disable accounts (must differ from the default). */
  ADMIN_ROLE_ID: int(0, 1_000_000, 9),
  /** Minimum password length in code points, after NFKC. ASVS 5.0: at least 8; NIST: 15 when single-factor. */
  PASSWORD_MIN_LENGTH: int(8, 64, 8),
  /** Maximum password length in code points. ASVS: permit at least 64; ASVS 4 denies over 128. */
  PASSWORD_MAX_LENGTH: int(64, 128, 128),
  /** Argon2id cost. Defaults are OWASP's first choice; raising them re-hashes on the next login. */
  ARGON2_MEMORY_KIB: int(19_456, 1_048_576, 19_456),
  ARGON2_ITERATIONS: int(2, 100, 2),
  ARGON2_PARALLELISM: int(1, 16, 1),
  /** Hashes or verifications at once per instance; the rest queue (adapters/limited-hasher.ts). One per vCPU. */
  HASH_CONCURRENCY: int(1, 16, 1),
  /** A refresh token not used for this long expires (sliding window). */
  REFRESH_IDLE_TTL_SECONDS: int(60, 400 * DAY, 30 * DAY),
  /** An exchanged refresh token presented again within this many seconds gets the same successor (0: never). */
  REFRESH_REUSE_INTERVAL_SECONDS: int(0, 60, 10),
  /** A session (a login and all its rotated refresh tokens) ends this long after the login. */
  SESSION_ABSOLUTE_TTL_SECONDS: int(60, 400 * DAY, 90 * DAY),
  /** Live sessions (logins) one user may hold; a new login past it ends the oldest. */
  MAX_SESSIONS_PER_USER: int(1, 1000, 50),
  /** Which X-Forwarded-For entry, counted from the right, is the client (1: Google's own). */
  CLIENT_IP_HOPS: int(1, 5, 1),
  /** The app's name, as the mails show it ("Acme: your password reset code"). */
  APP_NAME: z.string().trim().min(1).max(60).default("Your app"),
  /**
   * Mails are documents in this collection, in the format of Firebase's "Trigger Email from
   * Firestore" extension, which sends them (docs/flutterflow.md, "Forgot password").
   */
  MAIL_COLLECTION: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, "a top-level collection name")
    .default("mail"),
  /**
   * How mail leaves: `firestore` (a document in MAIL_COLLECTION for the "Trigger Email"
   * extension) or `smtp` (nodemailer, to the relay in the SMTP_URL secret, which `firebase
   * deploy` then asks for). Read at deploy too: it decides whether the function binds SMTP_URL.
   */
  MAIL_TRANSPORT: z.enum(["firestore", "smtp"]).default("firestore"),
  /** The sender of SMTP mail (`"Acme" <no-reply@acme.com>`); the relay's own default when empty. */
  MAIL_FROM: z.string().trim().max(200).default(""),
  /** Minutes a mailed code works (password reset, verification, email change). */
  CODE_TTL_MINUTES: int(5, 60, 15),
  /** Signup mails a verification code to the new address (docs/flutterflow.md, "Verify your email"). */
  SEND_VERIFICATION_ON_SIGNUP: flag(true),
  /**
   * Login (and refresh) of an account whose address is not verified answers 403
   * `email_not_verified` and mails a code; the same login call with that `code` signs in.
   */
  REQUIRE_VERIFIED_EMAIL: flag(false),
  /**
   * Emailed-code sign-in (POST /login/code/request and /confirm), off by default: it is a way in
   * for whoever reads the account's mailbox, without its password. Off: the routes answer 404.
   */
  LOGIN_CODE: flag(false),
  /**
   * Emailed-code sign-in (POST /login/code/request and /confirm): whether a code asked for an
   * address without an account is mailed, and its confirmation makes the account (verified, no
   * password). Off: such an address gets no code, with the same answer.
   */
  LOGIN_CODE_SIGNUP: flag(false),
  /**
   * Browser origins allowed by CORS, comma separated; `*` as a wildcard inside a host
   * (`https://*.flutterflow.app`) or a port (`http://localhost:*`). Mobile apps send no Origin
   * and are not affected. FlutterFlow's editor (Test/Run mode) and its hosted web apps by default.
   */
  CORS_ORIGINS: originList.default(["https://app.flutterflow.io", "https://*.flutterflow.app", "http://localhost:*", "http://127.0.0.1:*"]),
  /**
   * How custom tokens are signed: `iam` (IAM's `signBlob`, keyless: one network call per token)
   * or `key` (locally, with the service account key in the TOKEN_SIGNING_KEY secret, which the
   * function then binds). Read at deploy too: it decides whether the function binds that secret.
   */
  TOKEN_SIGNING: z.enum(["iam", "key"]).default("iam"),
  /**
   * Passkeys (domain/passkeys.ts): the relying party id, the domain the app's passkeys belong to
   * (`example.com`; `localhost` for local tests). Unset: the passkey routes answer 404.
   */
  PASSKEY_RP_ID: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?:localhost|(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})$/, "a domain name such as example.com")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** The name the device shows for the app's passkeys (default: APP_NAME). */
  PASSKEY_RP_NAME: z.string().trim().max(60).default(""),
  /**
   * Where passkey ceremonies may come from, comma separated: web origins (`https://app.example.com`,
   * on PASSKEY_RP_ID's domain) and Android apps (`android:apk-key-hash:<base64url SHA-256 of the
   * signing certificate>`). Default: `https://<PASSKEY_RP_ID>`.
   */
  PASSKEY_ORIGINS: originList
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^(?:https:\/\/[a-z0-9.-]+(?::\d{1,5})?|http:\/\/localhost(?::\d{1,5})?|android:apk-key-hash:[A-Za-z0-9_-]{43})$/,
            "https://host[:port], http://localhost[:port] or android:apk-key-hash:<43 base64url characters>",
          )
          // As the WebAuthn library will read it (a port out of range, or `:443` written out, is
          // not an origin: every ceremony would fail).
          .refine(
            (origin) => origin.startsWith("android:") || isOrigin(origin),
            "an origin exactly as a browser sends it (no default port)",
          ),
      ),
    )
    .default([]),
  /**
   * Android apps for GET /.well-known/assetlinks.json, comma separated: `package.name@FINGERPRINT`,
   * the fingerprint as Play Console shows it (32 hex bytes, colon separated); one entry per
   * fingerprint.
   */
  PASSKEY_ANDROID_PACKAGES: originList
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+@(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/,
            "package.name@AA:BB:...:FF (32 bytes)",
          ),
      ),
    )
    .default([]),
  /** iOS apps for GET /.well-known/apple-app-site-association, comma separated: `TEAMID.bundle.id`. */
  PASSKEY_APPLE_APP_IDS: originList
    .pipe(z.array(z.string().regex(/^[A-Z0-9]{10}\.[A-Za-z0-9.-]+$/, "TEAMID.bundle.id (a 10-character team id)")))
    .default([]),
  /**
   * Firebase App Check on every route that does not name its own mode (routes.ts): `off` reads no
   * token; `monitor` logs a security event for a missing or invalid `X-Firebase-AppCheck` and
   * serves the request; `enforce` answers 401 `app_check_required` / `app_check_invalid`.
   */
  APP_CHECK: z.enum(["off", "monitor", "enforce"]).default("off"),
  /**
   * The routes where a replayed request matters (signup, login, reset, emailed-code sign-in)
   * consume their token: the app sends a limited-use token, and the same token again is refused
   * (Google's App Check API; the runtime service account needs the Firebase App Check Token
   * Verifier role).
   */
  APP_CHECK_CONSUME: flag(false),
  /**
   * The project's number (Firebase console > Project settings): tokens must then name it as
   * their issuer and in their audience, besides the project id. Optional, as in firebase-admin.
   */
  APP_CHECK_PROJECT_NUMBER: z
    .string()
    .regex(/^[0-9]{1,20}$/, "the project number: digits")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /**
   * A JSON Web Key Set (public keys) that signs App Check tokens in place of Google's: the local
   * stack and the tests, offline. A deployed function refuses to start with it.
   */
  APP_CHECK_LOCAL_JWKS: z
    .string()
    .optional()
    .transform((text, context) => {
      if (text === undefined || text.trim() === "") return undefined;
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === "object" && parsed !== null && "keys" in parsed && Array.isArray(parsed.keys)) {
          return { keys: parsed.keys as readonly JWK[] }; // each key is checked by jose when the key set is made
        }
      } catch {
        // below
      }
      context.addIssue({ code: "custom", message: 'a JSON Web Key Set: {"keys": [...]}' });
      return z.NEVER;
    }),
});

export type Config = Readonly<z.infer<typeof EnvSchema>>;

/**
 * Refuses to run on Cloud Functions (`K_SERVICE` is set by Cloud Run, which runs 2nd gen) while
 * an emulator host variable is set: with `FIREBASE_AUTH_EMULATOR_HOST` set, firebase-admin
 * accepts UNSIGNED ID tokens and mints unsigned custom tokens, so anyone could sign in as anyone.
 *
 * The Functions emulator sets K_SERVICE too. It is told apart by a variable a deployed
 * `functions/.env` cannot carry: `firebase deploy` refuses every `FIREBASE_`-prefixed key there
 * (firebase-tools lib/functions/env.js, RESERVED_PREFIXES), and the emulator always sets
 * `FIREBASE_DEBUG_MODE=true` (lib/emulator/functionsEmulator.js, getEmulatorEnvs). Its
 * `FUNCTIONS_EMULATOR=true` alone proves nothing: that key is not reserved, a .env may set it.
 */
export function assertNoEmulatorInProduction(env: Readonly<Record<string, string | undefined>>): void {
  const functionsEmulator = env.FIREBASE_DEBUG_MODE === "true" && env.FUNCTIONS_EMULATOR === "true";
  const deployed = (env.K_SERVICE ?? "") !== "" && !functionsEmulator;
  if (!deployed) return;
  if ((env.PASSKEY_RP_ID ?? "").trim().toLowerCase() === "localhost" || /http:\/\/localhost/.test(env.PASSKEY_ORIGINS ?? "")) {
    throw new Error(
      `Refusing to start: PASSKEY_RP_ID or PASSKEY_ORIGINS names localhost in a deployed function (K_SERVICE=${env.K_SERVICE}); ` +
        "set them to the app's domain.",
    );
  }
  if ((env.APP_CHECK_LOCAL_JWKS ?? "").trim() !== "") {
    throw new Error(
      `Refusing to start: APP_CHECK_LOCAL_JWKS set in a deployed function (K_SERVICE=${env.K_SERVICE}). ` +
        "It lets tokens signed by a local key pass App Check; remove it from functions/.env*.",
    );
  }
  const emulatorHosts = Object.keys(env).filter((name) => name.endsWith("_EMULATOR_HOST") && (env[name] ?? "") !== "");
  if (emulatorHosts.length > 0) {
    throw new Error(
      `Refusing to start: ${emulatorHosts.join(", ")} set in a deployed function (K_SERVICE=${env.K_SERVICE}). ` +
        "Emulator hosts make firebase-admin accept unsigned tokens; remove them from functions/.env*.",
    );
  }
}

export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  assertNoEmulatorInProduction(env);
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const config = result.data;
  if (config.ADMIN_ROLE_ID === config.DEFAULT_ROLE_ID) {
    throw new Error("Invalid configuration: ADMIN_ROLE_ID must differ from DEFAULT_ROLE_ID");
  }
  if (config.LOGIN_CODE_SIGNUP && !config.LOGIN_CODE) {
    throw new Error("Invalid configuration: LOGIN_CODE_SIGNUP needs LOGIN_CODE=true");
  }
  if (config.APP_CHECK !== "off" && runningProject(env) === undefined) {
    // The tokens' audience names the project: without it every check would fail (a 503 each).
    throw new Error("Invalid configuration: APP_CHECK needs the project's id (GCLOUD_PROJECT), which Cloud Functions sets");
  }
  if (config.APP_CHECK_CONSUME && config.APP_CHECK === "off") {
    // Replay protection that silently does nothing is worse than none: say so at start.
    throw new Error("Invalid configuration: APP_CHECK_CONSUME needs APP_CHECK=monitor or enforce");
  }
  if (config.SESSION_ABSOLUTE_TTL_SECONDS < config.REFRESH_IDLE_TTL_SECONDS) {
    throw new Error("Invalid configuration: SESSION_ABSOLUTE_TTL_SECONDS must be at least REFRESH_IDLE_TTL_SECONDS");
  }
  return config;
}

/**
 * The server's secret (`AUTH_HMAC_KEY`, a Cloud Functions secret: Secret Manager in production,
 * `functions/.secret.local` on the emulators): keys the HMACs of document ids derived from
 * emails and networks, and of refresh-token successors. Read when a key is first derived, never
 * at module load (deploys load the module without secrets). At least 32 characters;
 * `openssl rand -base64 32` makes one.
 */
export function serverSecret(env: Readonly<Record<string, string | undefined>> = process.env): Buffer {
  const value = env.AUTH_HMAC_KEY ?? "";
  if (value.length < 32) {
    throw new Error(
      "AUTH_HMAC_KEY is missing or shorter than 32 characters: set it with `firebase functions:secrets:set AUTH_HMAC_KEY` (README, Deploy)",
    );
  }
  return Buffer.from(value, "utf8");
}

/**
 * The SMTP relay's URL (`smtps://user:password@smtp.example.com:465`): a Cloud Functions secret
 * bound only when MAIL_TRANSPORT is `smtp` (`firebase functions:secrets:set SMTP_URL`), read
 * when the mailer is first built.
 */
export function smtpUrl(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const value = env.SMTP_URL ?? "";
  if (!/^smtps?:\/\//.test(value)) {
    throw new Error(
      "MAIL_TRANSPORT is smtp but SMTP_URL is missing or not an smtp:// or smtps:// URL: set it with `firebase functions:secrets:set SMTP_URL`",
    );
  }
  return value;
}

/** A service account key, as firebase-admin's `cert()` takes it. */
export interface SigningKey {
  readonly projectId: string;
  readonly clientEmail: string;
  readonly privateKey: string;
}

/** An RSA private key of at least 2048 bits in PEM (what Google's service account keys are). */
function isRsaPrivateKey(pem: string): boolean {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === "rsa" && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
  } catch {
    return false; // OpenSSL's reason is not passed on: nothing about the key leaves this function
  }
}

/** The fields of a service account key JSON (IAM > Service accounts > Keys > Add key > JSON) that signing needs. */
const ServiceAccountKeySchema = z.object(
  {
    type: z.literal("service_account", { error: 'must be "service_account"' }),
    project_id: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }),
    client_email: z.string({ error: "must be a string" }).regex(/^[^@\s]+@[a-z0-9.-]+\.gserviceaccount\.com$/, {
      error: "must be a service account's address (...gserviceaccount.com)",
    }),
    private_key: z
      .string({ error: "must be a string" })
      .refine(isRsaPrivateKey, { error: "must be a PEM RSA private key of 2048 bits or more" }),
  },
  { error: "must be a JSON object" },
);

/** The project this process runs in: Cloud Functions and the emulator set GCLOUD_PROJECT; FIREBASE_CONFIG names it too. */
export function runningProject(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const named = env.GCLOUD_PROJECT || env.GOOGLE_CLOUD_PROJECT;
  if (named) return named;
  try {
    const parsed: unknown = JSON.parse(env.FIREBASE_CONFIG ?? "");
    const projectId = typeof parsed === "object" && parsed !== null && "projectId" in parsed ? parsed.projectId : undefined;
    return typeof projectId === "string" && projectId !== "" ? projectId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The custom-token signing key (`TOKEN_SIGNING_KEY`, a Cloud Functions secret holding a service
 * account key JSON), used only with TOKEN_SIGNING=key; `undefined` with `iam`. Checked when the
 * `auth` function starts (index.ts) and when the minter is first used: it must be a service
 * account key of the project this runs in. Under the Auth emulator (which mints unsigned tokens
 * whatever the key) it may be absent. No message ever carries any part of the value.
 */
export function tokenSigningKey(
  mode: Config["TOKEN_SIGNING"],
  env: Readonly<Record<string, string | undefined>> = process.env,
): SigningKey | undefined {
  if (mode === "iam") return undefined;
  const raw = env.TOKEN_SIGNING_KEY ?? "";
  if (raw.trim() === "" && (env.FIREBASE_AUTH_EMULATOR_HOST ?? "") !== "") return undefined;
  const fail = (problem: string) =>
    new Error(
      `TOKEN_SIGNING is key but TOKEN_SIGNING_KEY ${problem}: set it to a service account key JSON with ` +
        "`firebase functions:secrets:set TOKEN_SIGNING_KEY --data-file KEY.json` (README, Deploy), or set TOKEN_SIGNING=iam",
    );
  if (raw.trim() === "") throw fail("is missing");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw fail("is not JSON"); // JSON.parse's own message quotes the text around the error
  }
  const result = ServiceAccountKeySchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "the value"} ${issue.message}`).join("; ");
    throw fail(`is not a service account key (${problems})`);
  }
  const key = result.data;
  const project = runningProject(env);
  if (project === undefined) throw fail("cannot be checked: GCLOUD_PROJECT does not name the project this runs in");
  if (key.project_id !== project) throw fail(`belongs to project ${key.project_id}, not to ${project}, where this runs`);
  return { projectId: key.project_id, clientEmail: key.client_email, privateKey: key.private_key };
}

let cached: Config | undefined;

/** The function this process serves: Cloud Run sets FUNCTION_TARGET (a reserved key), as does the Functions emulator. */
export const servedFunction = (env: Readonly<Record<string, string | undefined>> = process.env): string | undefined => env.FUNCTION_TARGET;

/** Where the `auth` function is deployed, as its URLs name it (http/served-url.ts). */
export interface Deployment {
  readonly functionName: string;
  readonly region: string;
  readonly projectId: string | undefined;
  /** The Functions emulator (its URLs carry project and region in the path). */
  readonly emulator: boolean;
}

/** The deployment of this process: the served function, AUTH_REGION (a deploy parameter, set in the environment), the project. */
export function deployment(env: Readonly<Record<string, string | undefined>> = process.env): Deployment {
  return {
    functionName: servedFunction(env) || "auth",
    region: env.AUTH_REGION || "us-central1",
    projectId: runningProject(env),
    emulator: env.FUNCTIONS_EMULATOR === "true",
  };
}

/** The configuration of this process, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Fixed limits: part of the API contract, not settings. */
export const LIMITS = {
  /** Largest request body accepted, checked on the raw bytes before anything else. */
  maxBodyBytes: 8 * 1024,
  /** Longest password looked at, whatever PASSWORD_MAX_LENGTH says (never hashed beyond it). */
  hardMaxPasswordLength: 128,
  /** RFC 5321: 254 for the address, 64 for the local part. */
  maxEmailLength: 254,
  maxEmailLocalLength: 64,
  maxNameLength: 100,
  /** Lifetime firebase-admin gives every custom token (not configurable in the SDK). */
  customTokenLifetimeSeconds: 3600,
  /** A signup repeated this soon after its account was made, with the same password, signs in (signup.ts). */
  signupRetrySeconds: 60 * 60,
  /** A new code for the same email and purpose at most this often. */
  codeResendSeconds: 60,
  /** Wrong tries that kill a code. */
  maxCodeTries: 5,
  /** Wrong codes an `mfa_token` takes before it dies (a new login makes a new one). */
  maxMfaTries: 5,
  /** Seconds an `mfa_token` lives: the time to open the authenticator app and type a code. */
  mfaTokenSeconds: 5 * 60,
  /** Seconds an authenticator-app setup waits for its first code (POST /mfa/totp/activate). */
  mfaEnrollmentSeconds: 15 * 60,
  /** Every answer of POST /password/reset/request takes at least this long, whatever the email (timing). */
  resetRequestFloorMs: 400,
} as const;

/**
 * Time limits (deadlines.ts), fixed so every answer comes well inside the `auth` function's
 * 30 s timeout (index.ts): an outage is a clean 503 `unavailable` the app can retry, not the
 * platform's timeout page after a long spinner.
 */
export const DEADLINES = {
  /** Each call to Firestore or Firebase Auth (read, commit, query, Auth admin call, token minting). */
  callMs: 6_000,
  /** Each HTTP request, all calls together: past it the answer is 503 and no further call starts. */
  requestMs: 15_000,
} as const;
