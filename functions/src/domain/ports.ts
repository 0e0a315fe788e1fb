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
 * A login session: the family of refresh tokens that descend from one login. Only the SHA-256
 * of a refresh token is stored; the token itself exists only in the response.
 */
export interface NewSession {
  readonly id: string;
  readonly uid: string;
  readonly tokenHash: string;
  readonly createdAt: Date;
  /** Absolute end of the session. */
  readonly expiresAt: Date;
  /** End of this refresh token (idle expiry, never past `expiresAt`). */
  readonly tokenExpiresAt: Date;
}

export interface NewAccount {
  readonly account: Account;
  readonly profile: UserProfile;
  readonly session: NewSession;
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
  markAuthUserSynced(emailKey: string): Promise<void>;
  updatePasswordHash(emailKey: string, passwordHash: string): Promise<void>;
}

export interface SessionStore {
  create(session: NewSession): Promise<void>;
}

/** Thrown by stores and `AuthUsers` when the email is already registered. */
export class EmailTakenError extends Error {
  constructor() {
    super("email already registered");
    this.name = "EmailTakenError";
  }
}

/** Things an operator should be able to see in the logs. Never given a secret. */
export interface AuthEvents {
  /** An undo after a failed signup step failed too; the account is repaired at next login. */
  rollbackFailed(uid: string, error: unknown): void;
  /** A follow-up write failed after the main work succeeded; repaired later. */
  followUpFailed(step: "mark_auth_user_synced" | "rehash_password", uid: string, error: unknown): void;
  /** Login found no confirmed Firebase Auth user and created or updated it. */
  authUserRepaired(uid: string): void;
  /** A stored hash was made with weaker parameters and was replaced. */
  passwordRehashed(uid: string): void;
}
