/**
 * What the use cases need from the outside world. Implemented with firebase-admin and Argon2
 * in `../adapters`, and with in-memory fakes in the unit tests.
 */

export interface Clock {
  now(): Date;
}

export interface PasswordHasher {
  /** A PHC string (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`). */
  hash(password: string): Promise<string>;
  verify(phc: string, password: string): Promise<boolean>;
  /** Spends the time of one verification; used when the account does not exist. */
  verifyDummy(password: string): Promise<void>;
  /** True when `phc` was made with weaker parameters than the current ones. */
  needsRehash(phc: string): boolean;
}

/** Checks Firebase ID tokens (FlutterFlow's `currentJwtToken`). */
/** How a genuine, unexpired ID token's sign-in has ended since it was issued. */
export type EndedSignIn = "revoked" | "user_deleted";

export interface VerifiedCaller {
  readonly uid: string;
  readonly claims: Readonly<Record<string, unknown>>;
  /** Set only when the caller asked to accept it (`accept`): the token is genuine but its sign-in ended. */
  readonly ended?: EndedSignIn;
}

export interface IdTokenVerifier {
  /**
   * The token's uid and claims; throws when it is invalid, expired, revoked, or its user is
   * disabled or deleted. `accept` lets a genuine, unexpired token through whose sign-in ended in
   * one of the named ways (the retry of an act that ends it: password change, deletion).
   */
  verify(idToken: string, accept?: readonly EndedSignIn[]): Promise<VerifiedCaller>;
}

export interface TokenMinter {
  /** A Firebase custom token for `uid` carrying `claims`; valid for one hour. */
  mint(uid: string, claims: Readonly<Record<string, number | string | boolean>>): Promise<string>;
}

export interface AuthUserProfile {
  readonly uid: string;
  /** Canonical (lower-case) address: Firebase Auth lower-cases it anyway. */
  readonly email: string;
  readonly displayName: string;
}

/** The Firebase Auth user record, so the console and `currentUserEmail` show the account. */
export interface AuthUsers {
  /** Throws `EmailTakenError` when Firebase Auth already has a user with this email. */
  create(profile: AuthUserProfile): Promise<void>;
  /** Creates the user, or brings its email and display name up to date. */
  ensure(profile: AuthUserProfile): Promise<void>;
  /** Deletes the user; succeeds when it does not exist. */
  delete(uid: string): Promise<void>;
  /** Ends every Firebase session of the user (its Firebase refresh tokens). */
  revokeFirebaseSessions(uid: string): Promise<void>;
  updateProfile(uid: string, profile: { readonly displayName: string; readonly photoUrl?: string | undefined }): Promise<void>;
  /** Custom user claims: existing Firebase sessions get the role at their next ID-token refresh. */
  setRoleClaim(uid: string, roleId: number): Promise<void>;
  setDisabled(uid: string, disabled: boolean): Promise<void>;
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
  readonly createdAt: Date;
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
}

export interface StoredRefreshToken extends RefreshTokenRecord {
  /** Set once the token was exchanged for a new one: presenting it again is reuse. */
  readonly rotatedAt: Date | null;
}

export interface NewAccount {
  readonly account: Account;
  readonly profile: UserProfile;
  readonly session: RefreshTokenRecord;
  /** The email's id before the HMAC keys: a credential there (not yet migrated) holds the email. */
  readonly legacyEmailKey: string;
}

export interface AccountStore {
  /**
   * Writes the credential (which is the email's uniqueness lock), the uid index, `users/{uid}`
   * and the first session, all or nothing. Throws `EmailTakenError` when the email is taken.
   */
  create(record: NewAccount): Promise<void>;
  /** Undoes `create` for this uid (compensation); succeeds when nothing is there. */
  removeCreated(record: NewAccount): Promise<void>;
  findByEmailKey(emailKey: string): Promise<Account | null>;
  /**
   * The credential of an email: at its keyed id, or at its legacy (plain SHA-256) id, in which
   * case it is moved to the keyed id first (migration; the uid index follows). One round trip
   * when nothing is to be moved.
   */
  findByEmail(email: { readonly key: string; readonly legacyKey: string }): Promise<Account | null>;
  /** Through the uid index; null when the account does not exist (any more). */
  findByUid(uid: string): Promise<Account | null>;
  /** Sets the display name (and photo URL) on the credential and on `users/{uid}`. */
  updateProfile(account: Account, profile: { readonly displayName: string; readonly photoUrl?: string | undefined }): Promise<void>;
  setDisabled(emailKey: string, disabled: boolean): Promise<void>;
  /** Disables the credential and marks the user's own deletion as begun (retry-safe). */
  startDeletion(emailKey: string): Promise<void>;
  /** Sets the role on the credential (the authority) and its display copy in `users/{uid}`. */
  setRole(account: Account, roleId: number): Promise<void>;
  /** Deletes the uid index and the credential, not `users/{uid}` (app data). Idempotent. */
  deleteServerRecords(uid: string): Promise<void>;
  /** Deletes `users/{uid}` with its `fcm_tokens`, then the uid index and the credential. Idempotent. */
  deleteAccountRecords(account: Pick<Account, "uid" | "emailKey">): Promise<void>;
  markAuthUserSynced(emailKey: string): Promise<void>;
  /** Sets the upper bound of live sessions to a counted value (after a session-cap check). */
  setSessionCount(emailKey: string, count: number): Promise<void>;
  /** Replaces the hash (a re-hash at login: same password, sessions unaffected). */
  updatePasswordHash(emailKey: string, passwordHash: string): Promise<void>;
  /** A new password: the hash and `sessionEpoch` + 1 in ONE write, ending every older session. */
  changePasswordHash(account: Pick<Account, "emailKey" | "sessionEpoch">, passwordHash: string): Promise<void>;
}

export interface SessionStore {
  /** Writes a new session's first token, and counts it on the account (`sessionCount` + 1), in one commit. */
  create(token: RefreshTokenRecord): Promise<void>;
  find(tokenHash: string): Promise<StoredRefreshToken | null>;
  /**
   * Marks `parent` used and stores `child`, all or nothing. Single use rests on a create()
   * precondition: of concurrent rotations of one parent exactly one is "rotated"; the others
   * get "already_rotated". "gone" when the parent was deleted meanwhile (session ended).
   */
  rotate(parent: StoredRefreshToken, child: RefreshTokenRecord, now: Date): Promise<"rotated" | "already_rotated" | "gone">;
  /** Ends a session: every token of the family stops working. Succeeds when none is left. */
  revokeSession(sessionId: string): Promise<void>;
  /** Ends every session of a user. */
  revokeAllSessions(uid: string): Promise<void>;
  /** The user's sessions (one entry per family: its newest token), expired ones included. */
  liveSessions(uid: string): Promise<{ readonly sessionId: string; readonly sessionExpiresAt: Date }[]>;
  /** Deletes up to `limit` token, rotation and throttle documents whose `expires_at` has passed; returns how many. */
  deleteExpired(now: Date, limit: number): Promise<number>;
}


/** Thrown by stores and `AuthUsers` when the email is already registered. */
export class EmailTakenError extends Error {
  constructor() {
    super("email already registered");
    this.name = "EmailTakenError";
  }
}

/**
 * Security-relevant acts, one structured log event each (README, "Security events"), meant for
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
  | { readonly event: "sessions_capped"; readonly uid: string; readonly ended: number };

/** Things an operator should be able to see in the logs. Never given a secret. */
export interface AuthEvents {
  /** A security-relevant act (SecurityEvent). */
  security(event: SecurityEvent): void;
  /** An undo after a failed signup step failed too; the account is repaired at next login. */
  rollbackFailed(uid: string, error: unknown): void;
  /** A follow-up write failed after the main work succeeded; repaired later. */
  followUpFailed(step: "mark_auth_user_synced" | "rehash_password" | "reset_throttle" | "cap_sessions", uid: string, error: unknown): void;
  /** Login found no confirmed Firebase Auth user and created or updated it. */
  authUserRepaired(uid: string): void;
  /** A stored hash was made with weaker parameters and was replaced. */
  passwordRehashed(uid: string): void;
}
