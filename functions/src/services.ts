import { type Config, config, serverSecret } from "./config.js";
import type { AccountDeps } from "./domain/account.js";
import type { AdminDeps } from "./domain/admin.js";
import { isCommonPassword } from "./domain/common-passwords.js";
import type { HousekeepingDeps } from "./domain/housekeeping.js";
import { hmacKeys } from "./domain/ids.js";
import type { LoginDeps } from "./domain/login.js";
import type { LogoutDeps } from "./domain/logout.js";
import type { IdTokenVerifier } from "./domain/ports.js";
import type { RefreshDeps } from "./domain/refresh.js";
import type { SignupDeps } from "./domain/signup.js";
import { successorToken } from "./domain/tokens.js";
import { authEvents } from "./logs.js";

/**
 * The composition root: the one place where use cases meet their adapters. firebase-admin,
 * Firestore's gRPC client and Argon2 are loaded on the first request that needs them (not
 * at module load), and once per instance.
 */
export interface Services {
  readonly signup: SignupDeps;
  readonly login: LoginDeps;
  readonly refresh: RefreshDeps;
  readonly logout: LogoutDeps;
  readonly account: AccountDeps;
  readonly admin: AdminDeps;
  readonly housekeeping: HousekeepingDeps;
  readonly idTokens: IdTokenVerifier;
}

let services: Promise<Services> | undefined;

export function getServices(): Promise<Services> {
  services ??= build(config()).catch((error: unknown) => {
    services = undefined; // a failed start-up is retried by the next request
    throw error;
  });
  return services;
}

async function build(cfg: Config): Promise<Services> {
  const [firebase, { Argon2Hasher }, { FirestoreAccountStore }, { FirestoreSessionStore }, { FirebaseTokenMinter }, { FirebaseAuthUsers }] =
    await Promise.all([
      import("./firebase.js"),
      import("./adapters/argon2-hasher.js"),
      import("./adapters/firestore-account-store.js"),
      import("./adapters/firestore-session-store.js"),
      import("./adapters/firebase-token-minter.js"),
      import("./adapters/firebase-auth-users.js"),
    ]);
  const { FirebaseIdTokenVerifier } = await import("./adapters/firebase-id-token-verifier.js");
  const { FirestoreThrottleStore } = await import("./adapters/firestore-throttle-store.js");
  // The secret (AUTH_HMAC_KEY) is read when a key is first derived, not at start-up: a request
  // refused before that (a 400, 404, 405, 415) never needs it.
  let secret: Buffer | undefined;
  const key = (): Buffer => (secret ??= serverSecret());
  const db = firebase.adminFirestore();
  const auth = firebase.adminAuth();
  const sessions = new FirestoreSessionStore(db);
  const throttle = new FirestoreThrottleStore(db);
  const keys = hmacKeys(key); // keyed ids of emails and networks (domain/ids.ts)
  const common = {
    keys,
    accounts: new FirestoreAccountStore(db),
    authUsers: new FirebaseAuthUsers(auth),
    hasher: new Argon2Hasher({
      memoryKiB: cfg.ARGON2_MEMORY_KIB,
      iterations: cfg.ARGON2_ITERATIONS,
      parallelism: cfg.ARGON2_PARALLELISM,
    }),
    minter: new FirebaseTokenMinter(auth),
    clock: { now: () => new Date() },
    lifetimes: { idleSeconds: cfg.REFRESH_IDLE_TTL_SECONDS, absoluteSeconds: cfg.SESSION_ABSOLUTE_TTL_SECONDS },
    events: authEvents,
  };
  const policy = {
    minLength: cfg.PASSWORD_MIN_LENGTH,
    maxLength: cfg.PASSWORD_MAX_LENGTH,
    isCommon: isCommonPassword,
  };
  return {
    signup: { ...common, sessions, throttle, maxSessions: cfg.MAX_SESSIONS_PER_USER, policy, defaultRoleId: cfg.DEFAULT_ROLE_ID },
    account: { ...common, sessions, policy, throttle },
    admin: { accounts: common.accounts, sessions, authUsers: common.authUsers, adminRoleId: cfg.ADMIN_ROLE_ID, events: authEvents },
    housekeeping: { accounts: common.accounts, sessions, clock: common.clock },
    idTokens: new FirebaseIdTokenVerifier(auth),
    login: { ...common, sessions, throttle, maxSessions: cfg.MAX_SESSIONS_PER_USER },
    refresh: {
      ...common,
      sessions,
      successorOf: (token: string) => successorToken(key(), token),
      reuseIntervalSeconds: cfg.REFRESH_REUSE_INTERVAL_SECONDS,
    },
    logout: { sessions, authUsers: common.authUsers },
  };
}
