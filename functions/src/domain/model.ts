// The data the use cases and their ports exchange: accounts, sessions, Auth users, callers,
// security events.

/**
 * How a genuine, unexpired ID token's sign-in has ended since it was issued: Firebase revoked
 * it, the user was deleted, or the backend session it was made from (its `sid` claim) ended.
 */
export type EndedSignIn = "revoked" | "user_deleted" | "session_ended";

export interface VerifiedCaller {
  readonly uid: string;
  readonly claims: Readonly<Record<string, unknown>>;
  /** Set only when the caller asked to accept it (`accept`): the token is genuine but its sign-in ended. */
  readonly ended?: EndedSignIn;
}

export interface AuthUserProfile {
  readonly uid: string;
  /** Canonical (lower-case) address: Firebase Auth lower-cases it anyway. */
  readonly email: string;
  readonly displayName: string;
  /** The address is proved (a mailed code came back); false when not given. */
  readonly emailVerified?: boolean;
}

/** The server-only account record: the authority for the password hash, role and status. */
export interface Account {
  readonly uid: string;
  /** As the user typed it (trimmed): shown back to them. */
  readonly email: string;
  readonly emailKey: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly roleId: number;
  readonly disabled: boolean;
  /** False until the Firebase Auth user is known to exist; login repairs it. */
  readonly authUserSynced: boolean;
  /** Set when the user's own deletion began: a retry may finish it (an admin's disabling may not be undone by deleting). */
  readonly deleting: boolean;
  /**
   * Sessions started under a lower epoch are over (a password change raises it in the same
   * write as the new hash). A generation number, not a time: a login that read the old hash read
   * the old epoch in the same document, so no clock comparison is needed to know it is stale.
   */
  readonly sessionEpoch: number;
  /**
   * An upper bound of the user's live sessions: +1 with every session written, set to the true
   * count whenever the cap is checked. Lets a login skip the session-cap query until it matters.
   */
  readonly sessionCount: number;
  /** The owner proved the address: a code mailed to it came back (verification, or a password reset). */
  readonly emailVerified: boolean;
  readonly createdAt: Date;
  /** The active second factor (an authenticator app); null when the account has none. */
  readonly secondFactor: SecondFactor | null;
  /** An authenticator-app setup started and not yet confirmed with a code; null when none. */
  readonly pendingFactor: PendingFactor | null;
}

/**
 * How a session was signed in (RFC 8176 values), in its custom token's `auth_methods` claim:
 * `pwd` a password (or a reset by mailed code, which sets one), `otp` an authenticator-app code,
 * `mfa` a second factor besides the first (an authenticator code or a recovery code).
 */
export const AUTH_METHODS = ["pwd", "otp", "mfa", "email", "passkey"] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/**
 * An account's second factor (domain/second-factor.ts), on its server-only credential: the TOTP
 * secret sealed under the server's key (sealed-secret.ts), the last 30-second step a code was
 * accepted in (a code of that step or an earlier one is refused: no replay), and the keyed
 * digests of the recovery codes not yet used.
 */
export interface SecondFactor {
  readonly sealedSecret: string;
  readonly lastStep: number | null;
  readonly recoveryDigests: readonly string[];
  readonly activatedAt: Date;
}

/** An enrolment waiting for its first code: the new secret, sealed, until `expiresAt`. */
export interface PendingFactor {
  readonly sealedSecret: string;
  readonly expiresAt: Date;
}

/**
 * The first step of a two-step sign-in, `auth_mfa_challenges/{id}` (id: SHA-256 of the
 * `mfa_token` handed out): made by a login (or a password reset) of an account with a second
 * factor, used once by POST /mfa/verify. Bound to the account and to the session epoch of the
 * password check that made it: a password change, reset, email change or disabling since kills it.
 */
export interface MfaChallenge {
  readonly id: string;
  readonly uid: string;
  readonly emailKey: string;
  readonly sessionEpoch: number;
  /** How the first step was made (`pwd`). */
  readonly methods: readonly AuthMethod[];
  readonly expiresAt: Date;
  /** Wrong codes so far; the challenge dies at LIMITS.maxMfaTries. */
  readonly tries: number;
}

/**
 * What a transaction on an account's second factor writes (AccountStore.updateSecondFactor):
 * `factor` / `pending` undefined keeps the field, null removes it; `consumeChallenge` deletes
 * the challenge read with it.
 */
export interface FactorUpdate<T> {
  readonly result: T;
  readonly factor?: SecondFactor | null;
  readonly pending?: PendingFactor | null;
  readonly consumeChallenge?: boolean;
}

/**
 * A session's live record, `auth_sessions/{sessionId}`: what the custom token's `sid` claim names.
 * It exists while the session lives (logout, reuse and the session cap delete it) and carries the
 * account's session epoch when the session started.
 */
export interface LiveSession {
  readonly sessionId: string;
  readonly uid: string;
  readonly sessionEpoch: number;
  /** The session's absolute end. */
  readonly expiresAt: Date;
}

/** The device of a session from before device names, or of a request without a User-Agent. */
export const UNKNOWN_DEVICE = "Unknown device";

/** A session as its owner sees it in the list of signed-in devices (GET /sessions). */
export interface DeviceSession {
  readonly sessionId: string;
  readonly uid: string;
  readonly sessionEpoch: number;
  /** What the app called the device (`device_name`), or a label from its User-Agent. */
  readonly device: string;
  readonly createdAt: Date;
  /** The session's last refresh (its login, until the first). */
  readonly lastUsedAt: Date;
  readonly expiresAt: Date;
}

/**
 * What a Firebase session of this backend is checked against (the API's ID-token check and the
 * rules' `liveSession()` read the same two documents): the session's record, and the account's
 * current session epoch and role, mirrored on `auth_uid_index/{uid}` by every act that changes
 * them. A record of an older epoch (a password change, reset, email change, disabling or deletion
 * since) or a token of another role is not live; neither needs the record to be found and deleted
 * in time, so a login racing the act cannot leave a live session behind.
 */
export interface LiveState {
  readonly session: LiveSession | null;
  readonly current: { readonly sessionEpoch: number; readonly roleId: number } | null;
}

/** FlutterFlow's `users/{uid}` document (the display copy; clients may write it). */
export interface UserProfile {
  readonly uid: string;
  readonly email: string;
  readonly displayName: string;
  readonly roleId: number;
  readonly createdAt: Date;
}

/**
 * One refresh token of a session. A session is the family of refresh tokens that descend from
 * one login by rotation. Only the SHA-256 of a token is stored; the token itself exists only
 * in the response that hands it out.
 */
export interface RefreshTokenRecord {
  readonly tokenHash: string;
  readonly sessionId: string;
  readonly uid: string;
  /** Where the account's credential is (refresh re-reads it). */
  readonly emailKey: string;
  readonly createdAt: Date;
  /** End of this token (idle expiry, never past `sessionExpiresAt`). */
  readonly expiresAt: Date;
  /** Absolute end of the session, whatever the refreshes. */
  readonly sessionExpiresAt: Date;
  /** The account's `sessionEpoch` when the session started; refresh refuses older ones. */
  readonly sessionEpoch: number;
  /** How the session was signed in (kept by every rotation; sessions from before: `pwd`). */
  readonly methods: readonly AuthMethod[];
  /**
   * The device's name for the list of signed-in devices, written on the session's live record
   * when it starts, and again at a refresh that names one; undefined: keep the record's.
   */
  readonly device?: string | undefined;
}

export interface StoredRefreshToken extends RefreshTokenRecord {
  /** Set once the token was exchanged for a new one: presenting it again is reuse. */
  readonly rotatedAt: Date | null;
  /** The session has its live record (sessions from before live records get one at their next rotation). */
  readonly recorded: boolean;
}

export interface NewAccount {
  readonly account: Account;
  readonly profile: UserProfile;
  /** The first session; null when sign-in waits for a verified email (REQUIRE_VERIFIED_EMAIL). */
  readonly session: RefreshTokenRecord | null;
  /** The email's id before the HMAC keys: a credential there (not yet migrated) holds the email. */
  readonly legacyEmailKey: string;
}

/** Thrown by stores and `AuthUsers` when the email is already registered. */
export class EmailTakenError extends Error {
  constructor() {
    super("email already registered");
    this.name = "EmailTakenError";
  }
}

/**
 * Thrown by `AccountStore.setNewPassword` when the credential is no longer the one the change was
 * checked against (compare-and-set: a reset or another change got there first), or is gone.
 * Nothing was written.
 */
export class StaleAccountError extends Error {
  constructor() {
    super("the account changed meanwhile");
    this.name = "StaleAccountError";
  }
}

/** Thrown by `AccountStore.importAccount` when the uid already belongs to an account. */
export class UidTakenError extends Error {
  constructor() {
    super("uid already used");
    this.name = "UidTakenError";
  }
}

/** The ID token authenticates no one (forged, expired, revoked, disabled or deleted user); the HTTP edge makes it a 401. */
export class RejectedIdToken extends Error {
  constructor(cause: unknown) {
    super("the ID token was rejected", { cause });
    this.name = "RejectedIdToken";
  }
}

/**
 * Security-relevant acts, one structured log event each (docs/security.md, "Security events"), meant for
 * log-based alerts. Ids only: never an email, address, password, hash or token.
 */
export type SecurityEvent =
  | { readonly event: "login_failed"; readonly reason: "unknown_account" | "wrong_password" | "account_disabled"; readonly uid?: string }
  | { readonly event: "throttled"; readonly dimensions: readonly string[]; readonly retryAfterSeconds: number }
  | { readonly event: "locked"; readonly dimension: string; readonly seconds: number }
  | { readonly event: "password_changed"; readonly uid: string }
  | { readonly event: "role_changed"; readonly actorUid: string; readonly targetUid: string; readonly roleId: number }
  | { readonly event: "account_disabled" | "account_enabled"; readonly actorUid: string; readonly targetUid: string }
  | { readonly event: "account_deleted"; readonly uid: string }
  | { readonly event: "refresh_token_reused"; readonly uid: string; readonly sessionId: string }
  | { readonly event: "sessions_capped"; readonly uid: string; readonly ended: number }
  | { readonly event: "password_reset_requested"; readonly uid?: string }
  /** A sign-in code was asked for (POST /login/code/request); `uid` when the address has an account. */
  | { readonly event: "login_code_requested"; readonly uid?: string }
  /** An account made by an emailed code's sign-in (LOGIN_CODE_SIGNUP). */
  | { readonly event: "account_created_by_code"; readonly uid: string }
  | { readonly event: "password_reset"; readonly uid: string }
  /** A reset proved the mailbox of an account whose address was never proved: its previous holder's profile and push tokens were removed. */
  | { readonly event: "account_reclaimed"; readonly uid: string }
  | { readonly event: "code_rejected"; readonly purpose: CodePurpose }
  | { readonly event: "email_verified"; readonly uid: string }
  | { readonly event: "email_change_requested"; readonly uid: string; readonly available: boolean }
  | { readonly event: "email_changed"; readonly uid: string }
  | { readonly event: "mfa_enabled"; readonly uid: string }
  | { readonly event: "mfa_disabled"; readonly uid: string; readonly actorUid?: string }
  | { readonly event: "mfa_rejected"; readonly uid: string; readonly method: "totp" | "recovery_code" }
  | { readonly event: "recovery_code_used"; readonly uid: string; readonly remaining: number }
  | { readonly event: "recovery_codes_renewed"; readonly uid: string }
  /** One session ended from the list of devices (by its owner, or an administrator: `actorUid`). */
  | { readonly event: "session_ended"; readonly uid: string; readonly sessionId: string; readonly actorUid?: string }
  | { readonly event: "other_sessions_ended"; readonly uid: string; readonly ended: number }
  | { readonly event: "passkey_added" | "passkey_removed"; readonly uid: string; readonly passkeyId: string }
  | { readonly event: "passkey_rejected"; readonly reason: string; readonly uid?: string }
  /** A request without a valid App Check token (APP_CHECK monitor or enforce; `refused`: enforce answered 401). */
  | { readonly event: "app_check_failed"; readonly reason: AppCheckProblem; readonly route: string; readonly refused: boolean };

/** A passkey (WebAuthn credential) of an account: what signs its logins in. */
export interface Passkey {
  /** Our id of it: the SHA-256 (hex) of its credential id (a URL segment; the credential id can be long). */
  readonly id: string;
  /** The WebAuthn credential id, base64url. */
  readonly credentialId: string;
  readonly uid: string;
  /** The COSE public key, base64url. */
  readonly publicKey: string;
  /** The authenticator's signature counter at the last use (0: it keeps none). */
  readonly counter: number;
  readonly transports: readonly string[];
  /** User verification (PIN, biometrics) at registration. */
  readonly userVerified: boolean;
  /** Synced to the user's other devices (a multi-device passkey). */
  readonly backedUp: boolean;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  /**
   * The account's session epoch when it was registered: a password change or reset, an email
   * change or a disabling since (every way in of before ends) makes it sign nothing in.
   */
  readonly sessionEpoch: number;
}

/** APP_CHECK: `off` reads no token; `monitor` logs a missing or invalid one and serves; `enforce` refuses it (401). */
export type AppCheckMode = "off" | "monitor" | "enforce";

/** What an App Check token proves once checked (adapters/app-check-verifier.ts). */
export interface AppCheckClaims {
  /** The Firebase app that got the token (`sub`). */
  readonly appId: string;
  /** `jti`, when present (App Check tokens carry one). */
  readonly tokenId: string | undefined;
  readonly expiresAt: Date;
}

/** Why a token was refused. */
export type AppCheckFailure =
  | "malformed"
  | "wrong_algorithm"
  | "wrong_audience"
  | "wrong_issuer"
  | "no_subject"
  | "expired"
  | "not_yet_valid"
  | "unknown_key"
  | "bad_signature";

/** Why a request's App Check failed: no token, a refused one, or a limited-use token used before. */
export type AppCheckProblem = "missing" | "replayed" | AppCheckFailure;

/**
 * Google's App Check API refusing this backend itself (no permission, wrong project): a setting to
 * fix, answered 500 and logged, not a 503 that apps would retry forever.
 */
export class AppCheckMisconfigured extends Error {
  constructor(reason: string, cause: unknown) {
    super(`App Check's consume call was refused: ${reason}`, { cause });
    this.name = "AppCheckMisconfigured";
  }
}

/** A token the verifier refuses; the message never holds any part of the token. */
export class AppCheckRejected extends Error {
  constructor(readonly reason: AppCheckFailure) {
    super(`App Check token refused: ${reason}`);
    this.name = "AppCheckRejected";
  }
}

/** What a throttle counter counts (docs/security.md, "Throttling"; the policy is in throttle.ts). */
export type Dimension = "account" | "account_ip" | "ip" | "signup_ip" | "mail_ip" | "mail_address";

export interface ThrottleKey {
  readonly dimension: Dimension;
  /** Document id: an HMAC of the dimension, its values and the window (no address or email is stored). */
  readonly id: string;
  /** When the document may be deleted: its window's end plus the longest lock. */
  readonly expiresAt: Date;
}

export interface Counter {
  /** Attempts counted in this window (reservations not given back). */
  readonly count: number;
  readonly lockedUntil: Date | null;
  /** The count of the attempt that set the lock: the next allowed attempt is `lockRank + 1`. */
  readonly lockRank: number;
  /**
   * Pair counters (`account_ip`) only: how many of this account's attempts from the network hold
   * a count on the network's `ip` shard not yet given back (the first attempt of the window, or
   * two first attempts at once). The account's next success gives all of them back, once, with
   * the pair's deletion (throttle.ts, `succeeded`): its own count, or a typo's (forgiven).
   */
  readonly networkUnits?: number;
}

/**
 * Where a page of the user list (GET /admin/users) starts: after this account, in the list's
 * order - creation time then credential id, or, when searching by email prefix, the email.
 */
export type UserListPosition =
  | { readonly by: "created"; readonly createdAt: Date; readonly emailKey: string }
  | { readonly by: "email"; readonly email: string };

/** A counter as read for a compare-and-set: its state (none: missing) and its version (null: missing). */
export interface CounterVersion {
  readonly key: ThrottleKey;
  /** Opaque: the store's version of the document (its update time); null when it does not exist. */
  readonly version: string | null;
}

/** One write of a compare-and-set reservation: the counter's whole new state, if still at `version`. */
export interface CounterWrite extends CounterVersion {
  readonly counter: Counter;
}

/**
 * What a successful password check leaves on the throttle's documents (throttle.ts, `succeeded`),
 * written in one commit: one attempt given back on `giveBack`, `clear` deleted, the network
 * marked `trust`ed for the account, and `release`: the pair counter deleted and its `units`
 * given back on its `network` shard - only while the pair is still at its version, else nothing
 * of the commit lands.
 */
export interface ThrottleSettlement {
  readonly giveBack: readonly ThrottleKey[];
  readonly clear: readonly ThrottleKey[];
  readonly trust?: { readonly id: string; readonly until: Date; readonly epoch: number } | undefined;
  readonly release?: { readonly pair: CounterVersion; readonly network: ThrottleKey; readonly units: number } | undefined;
}

/** The languages of the mails (domain/mail.ts); English when the request asks for none of them. */
export const LANGUAGES = ["en", "es", "de", "fr", "pt"] as const;
export type Language = (typeof LANGUAGES)[number];

/** One mail, as the Mailer port delivers it. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** What a mailed code is for. */
export type CodePurpose = "password_reset" | "email_verification" | "email_change" | "login_code";

/** A code being issued: for an unknown or disabled account `uid` and `digest` are null (nothing is mailed, the answer is the same). */
export interface CodeIssue {
  readonly id: string;
  readonly purpose: CodePurpose;
  readonly uid: string | null;
  readonly digest: string | null;
  readonly expiresAt: Date;
  /** The address an email change moves to (purpose `email_change`); null otherwise. */
  readonly newEmail: string | null;
  /**
   * The account's session epoch at issue (sign-in codes): a password change or reset, an email
   * change or a disabling since then makes the code fit no more (a sign-out everywhere moves no epoch).
   */
  readonly sessionEpoch?: number;
}

/** A live code that matched and was used up: whose it is, and (email change) the address it proves. */
export interface ConsumedCode {
  readonly uid: string;
  readonly newEmail: string | null;
  /** The epoch it was issued under, when it records one. */
  readonly sessionEpoch: number | null;
}
