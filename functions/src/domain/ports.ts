// The ports: what the use cases need from the outside world, as interfaces only (the data they
// carry is in model.ts). Implemented with firebase-admin and Argon2 in `../adapters`, and with
// in-memory fakes in the unit tests.
import type {
  Account,
  AppCheckClaims,
  AuthUserProfile,
  CodeIssue,
  ConsumedCode,
  Counter,
  CounterWrite,
  DeviceSession,
  EndedSignIn,
  FactorUpdate,
  LiveState,
  MailMessage,
  MfaChallenge,
  NewAccount,
  Passkey,
  RefreshTokenRecord,
  SecurityEvent,
  StoredRefreshToken,
  ThrottleKey,
  ThrottleSettlement,
  UserListPosition,
  VerifiedCaller,
} from "./model.js";

export interface Clock {
  now(): Date;
}

export interface PasswordHasher {
  /** A PHC string (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`). */
  hash(password: string): Promise<string>;
  verify(phc: string, password: string): Promise<boolean>;
  /** Spends the time of one verification; used when the account does not exist. */
  verifyDummy(password: string): Promise<void>;
  /** True when `phc` was made with weaker parameters than the current ones (or by another system). */
  needsRehash(phc: string): boolean;
  /** The encoding of a stored hash this hasher can verify (`argon2id`, `bcrypt`, ...), or null (user import). */
  scheme(stored: string): Promise<string | null>;
}

/** Checks Firebase ID tokens (FlutterFlow's `currentJwtToken`). */
export interface IdTokenVerifier {
  /**
   * The token's uid and claims; throws when it is invalid, expired, revoked, or its user is
   * disabled or deleted. `accept` lets a genuine, unexpired token through whose sign-in ended in
   * one of the named ways (the retry of an act that ends it: password change, deletion).
   */
  verify(idToken: string, accept?: readonly EndedSignIn[]): Promise<VerifiedCaller>;
}

/** A value of a custom token's developer claims (a role, a session id, a list of sign-in methods). */
export type DeveloperClaim = number | string | boolean | readonly string[];

export interface TokenMinter {
  /** A Firebase custom token for `uid` carrying `claims`; valid for one hour. */
  mint(uid: string, claims: Readonly<Record<string, DeveloperClaim>>): Promise<string>;
}

/** The Firebase Auth user record, so the console and `currentUserEmail` show the account. */
export interface AuthUsers {
  /** Throws `EmailTakenError` when Firebase Auth already has a user with this email. */
  create(profile: AuthUserProfile): Promise<void>;
  /** Creates the user, or brings its email and display name up to date. */
  ensure(profile: AuthUserProfile): Promise<void>;
  /** The email of the Auth user `uid` (null when it has none); null when there is no such user. */
  findEmail(uid: string): Promise<{ readonly email: string | null } | null>;
  /**
   * Removes Firebase's own email/password sign-in from the user, if it has one (an imported user
   * adopted from Firebase Auth): its old Firebase password must not keep working beside this backend.
   */
  removePasswordSignIn(uid: string): Promise<void>;
  /** Deletes the user; succeeds when it does not exist. */
  delete(uid: string): Promise<void>;
  /** Ends every Firebase session of the user (its Firebase refresh tokens). */
  revokeFirebaseSessions(uid: string): Promise<void>;
  updateProfile(uid: string, profile: { readonly displayName: string; readonly photoUrl?: string | undefined }): Promise<void>;
  /** Custom user claims: existing Firebase sessions get the role at their next ID-token refresh. */
  setRoleClaim(uid: string, roleId: number): Promise<void>;
  setDisabled(uid: string, disabled: boolean): Promise<void>;
  /**
   * Moves the Auth user to a proved new address (`emailVerified` true). Throws `EmailTakenError`
   * when another Firebase Auth user has it.
   */
  changeEmail(uid: string, email: string): Promise<void>;
  /** The Auth user's `emailVerified` (rules read it as `request.auth.token.email_verified` after the app's next ID token). */
  setEmailVerified(uid: string): Promise<void>;
}

export interface AccountStore {
  /**
   * Writes the credential (which is the email's uniqueness lock), the uid index, `users/{uid}`
   * and the first session, all or nothing. Throws `EmailTakenError` when the email is taken.
   */
  create(record: NewAccount): Promise<void>;
  /**
   * An imported account (no session), in one transaction: the credential (a create: throws
   * `EmailTakenError` when the email or its legacy id is taken), the uid index (throws
   * `UidTakenError` when the uid has one), and `users/{uid}`: created, or when the app already has
   * it (a user moving from Firebase Auth keeps its uid and its data) only `uid`, `email` and
   * `role_id` merged in. Returns whether `users/{uid}` was created.
   */
  importAccount(record: NewAccount): Promise<{ readonly profileCreated: boolean }>;
  /** Undoes `importAccount` (the credential and uid index; `users/{uid}` only if it made it). */
  undoImport(record: NewAccount, profileCreated: boolean): Promise<void>;
  /** Undoes `create` for this uid (compensation); succeeds when nothing is there. */
  deleteCreated(record: NewAccount): Promise<void>;
  findByEmailKey(emailKey: string): Promise<Account | null>;
  /**
   * Up to `limit` accounts after `after`: in creation order (then credential id), or, with
   * `emailPrefix`, those whose email as typed starts with it, in email order. One query.
   */
  list(page: { readonly limit: number; readonly after?: UserListPosition; readonly emailPrefix?: string }): Promise<readonly Account[]>;
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
  /** Enables or disables the credential; disabling raises `sessionEpoch` (credential and mirror, one commit): every session ends. */
  setDisabled(emailKey: string, disabled: boolean): Promise<void>;
  /** Disables the credential, raises `sessionEpoch` (every session ends), and marks the user's own deletion as begun (retry-safe). */
  startDeletion(emailKey: string): Promise<void>;
  /**
   * Sets the role on the credential (the authority), its mirror on the uid index (what tokens are
   * checked against: those of the old role stop being live) and its display copy in `users/{uid}`, in one commit.
   */
  setRole(account: Account, roleId: number): Promise<void>;
  /**
   * The account given to the owner of its mailbox (a reset of an address never proved): the
   * display name cleared on the credential, `users/{uid}` back to the fields this backend
   * writes (uid, email, role_id, created_time), and its sub-collections (push tokens, the app's
   * data) deleted.
   */
  resetProfile(account: Account): Promise<void>;
  /** Deletes the uid index and the credential, not `users/{uid}` (app data). Idempotent. */
  deleteServerRecords(uid: string): Promise<void>;
  /** Deletes `users/{uid}` with its `fcm_tokens`, then the uid index and the credential. Idempotent. */
  deleteAccountRecords(account: Pick<Account, "uid" | "emailKey">): Promise<void>;
  setAuthUserSynced(emailKey: string): Promise<void>;
  /**
   * One transaction on the credential of `emailKey`: `change` gets the account as stored now
   * (null: gone) and, with `challengeId`, that MFA challenge read in the same transaction (null:
   * gone), and says what to write (its second factor, its pending enrolment, the challenge's
   * deletion); returns `change`'s result. `change` may run more than once (contention): it must
   * be pure.
   */
  updateSecondFactor<T>(
    emailKey: string,
    change: (account: Account | null, challenge: MfaChallenge | null) => FactorUpdate<T>,
    challengeId?: string,
  ): Promise<T>;
  /**
   * Replaces the password hash `from` (the one a login verified) by `to` (the same password,
   * hashed with the current parameters), only while it is still `from`: a password change in
   * between keeps its hash. Returns whether it replaced it. (Logins that start a session do this
   * in SessionStore.create.)
   */
  replaceHash(emailKey: string, hashes: { readonly from: string; readonly to: string }): Promise<boolean>;
  /** Sets the upper bound of live sessions to a counted value (after a session-cap check). */
  setSessionCount(emailKey: string, count: number): Promise<void>;
  /**
   * Moves the account to a new address (proved, or given back: `emailVerified`), in one
   * transaction: the credential to the new email's id (a create: throws `EmailTakenError` when that email, or its legacy id, is taken),
   * the uid index (with the new epoch), `users/{uid}.email`; `sessionEpoch` + 1 ends every session, and the Auth user
   * is marked unsynced until `AuthUsers.changeEmail` confirms it. Returns the moved account;
   * null when the account is gone, disabled or being deleted (nothing moves).
   */
  changeEmail(
    account: Account,
    email: { readonly display: string; readonly key: string; readonly legacyKey: string },
    emailVerified: boolean,
  ): Promise<Account | null>;
  /** Marks the account's email as proved (a mailed code came back). */
  setEmailVerified(emailKey: string): Promise<void>;
  /**
   * A new password: the hash and `sessionEpoch` + 1 (credential and mirror) in one commit, made
   * only while the credential is as read (compare-and-set). With `expectHash` (a change, checked
   * against the current password) a credential whose hash is no longer that one throws
   * `StaleAccountError`, nothing written; a gone or moved account throws it too. Returns the
   * account as written.
   */
  setNewPassword(account: Pick<Account, "uid" | "emailKey">, passwordHash: string, expectHash?: string): Promise<Account>;
}

export interface SessionStore {
  /**
   * Starts a session: its live record (named by the custom token's `sid` claim, carrying the
   * token's session epoch), its first token, and `sessionCount` + 1 on the account, in one commit.
   * With `rehash`, the same commit replaces the credential's hash `from` (the one the login
   * verified) by `to`; if the hash is no longer `from` (a password change got there first), the
   * session is written and the hash left alone.
   *
   * `settlement`: the throttle's writes for the password check that let the session in
   * (ThrottleStore.settle), in the same commit when it can be - a login's one round trip after its
   * hash. `settled` says whether they landed; when they did not (that commit failed - a
   * `release` whose pair moved, a throttle document that refused the write - or a `rehash`, which
   * takes a transaction), the session was written alone and the caller settles another way
   * (throttle.ts, `Settlement.unsettled`). Only a failure of the session's own writes throws.
   */
  create(
    token: RefreshTokenRecord,
    options?: {
      readonly rehash?: { readonly from: string; readonly to: string } | undefined;
      readonly settlement?: ThrottleSettlement | undefined;
    },
  ): Promise<{ readonly settled: boolean }>;
  find(tokenHash: string): Promise<StoredRefreshToken | null>;
  /**
   * Marks `parent` used and stores `child`, all or nothing. Single use rests on a create()
   * precondition: of concurrent rotations of one parent exactly one is "rotated"; the others
   * get "already_rotated". "gone" when the parent or the session's live record was deleted
   * meanwhile (the session ended). A session from before live records gets its record here.
   */
  rotate(parent: StoredRefreshToken, child: RefreshTokenRecord, now: Date): Promise<"rotated" | "already_rotated" | "gone">;
  /** Session `sessionId`'s live record and user `uid`'s current epoch and role, in one round trip. */
  liveState(sessionId: string, uid: string): Promise<LiveState>;
  /**
   * Ends a session: its live record first (every Firebase session made from its custom tokens
   * ends with it), then every token of the family. Succeeds when none is left.
   */
  revokeSession(sessionId: string): Promise<void>;
  /**
   * The user's session records (auth_sessions), at most `limit`, in no order: those of an older
   * epoch or past their end included (the caller filters). One query.
   */
  sessionsOf(uid: string, limit: number): Promise<readonly DeviceSession[]>;
  /** Ends every session of a user (live records first, then tokens). */
  revokeAllSessions(uid: string): Promise<void>;
  /** The user's sessions (one entry per family: its newest token), expired ones included. */
  liveSessions(uid: string): Promise<{ readonly sessionId: string; readonly sessionExpiresAt: Date }[]>;
  /** Deletes up to `limit` token and rotation documents whose `expires_at` has passed; returns how many. */
  deleteExpired(now: Date, limit: number): Promise<number>;
}

/** Things an operator should be able to see in the logs. Never given a secret. */
export interface AuthEvents {
  /** A security-relevant act (SecurityEvent). */
  security(event: SecurityEvent): void;
  /** An undo after a failed signup step failed too; the account is repaired at next login. */
  rollbackFailed(uid: string, error: unknown): void;
  /** A follow-up write failed after the main work succeeded; repaired later. */
  followUpFailed(
    step:
      | "mark_auth_user_synced"
      | "rehash_password"
      | "reset_throttle"
      | "cap_sessions"
      | "notify_password_reset"
      | "mark_email_verified"
      | "sync_auth_user"
      | "send_verification"
      | "send_reset_code"
      | "send_login_code"
      | "check_app_check"
      | "notify_passkey_change"
      | "remove_passkeys"
      | "revoke_sessions"
      | "undo_email_change"
      | "notify_mfa_change"
      | "notify_recovery_code_used",
    uid: string,
    error: unknown,
  ): void;
  /** Login found no confirmed Firebase Auth user and created or updated it. */
  authUserRepaired(uid: string): void;
  /** A stored hash was made with weaker parameters and was replaced. */
  passwordRehashed(uid: string): void;
}

export interface ThrottleStore {
  /**
   * The counters of `keys` (missing ones left out), their versions (ids of existing ones), and
   * the session epoch of the unexpired trust marker `trustId` (null: none); one round trip.
   */
  read(
    keys: readonly ThrottleKey[],
    trustId: string | undefined,
    now: Date,
  ): Promise<{
    readonly counters: ReadonlyMap<string, Counter>;
    readonly versions: ReadonlyMap<string, string>;
    readonly trustedEpoch: number | null;
  }>;
  /**
   * Compare-and-set, one commit: writes every counter's new state only if none changed since
   * its version was read (a missing one: still missing). Returns the new versions by id, or
   * null when one had changed (nothing written).
   */
  reserveAt(writes: readonly CounterWrite[]): Promise<ReadonlyMap<string, string> | null>;
  /**
   * Adds `delta` to every key's count with commutative increments (one commit), then reads them
   * back with their versions. `unitsOf` (one of `keys`, a pair counter): adds `delta` to its
   * `networkUnits` as well (this attempt's count on its network's shard).
   */
  add(
    keys: readonly ThrottleKey[],
    delta: number,
    unitsOf?: ThrottleKey,
  ): Promise<{ readonly counters: ReadonlyMap<string, Counter>; readonly versions: ReadonlyMap<string, string> }>;
  /**
   * Writes `settlement` in one commit. Returns false, with nothing written, when it has a
   * `release` whose pair is no longer at its version (a concurrent attempt moved it).
   */
  settle(settlement: ThrottleSettlement): Promise<boolean>;
  /**
   * In one transaction: deletes the pair counter and gives its `networkUnits` back on `network`
   * (nothing when the pair is gone: its units were given back already).
   */
  releaseNetworkUnits(pair: ThrottleKey, network: ThrottleKey): Promise<void>;
  lock(key: ThrottleKey, until: Date, rank: number): Promise<void>;
  /** Deletes up to `limit` counters and trust markers whose `expires_at` has passed; returns how many. */
  deleteExpired(now: Date, limit: number): Promise<number>;
}

/** The first steps of two-step sign-ins (`auth_mfa_challenges`): each used once, by POST /mfa/verify. */
export interface MfaChallengeStore {
  create(challenge: MfaChallenge): Promise<void>;
  /** The challenge (expired or dead ones included: the caller checks); null when there is none. */
  find(id: string): Promise<MfaChallenge | null>;
  /** A wrong code: `tries` + 1, in a transaction; the try that reaches `maxTries` deletes it. */
  countWrong(id: string, maxTries: number): Promise<void>;
  /** Deletes up to `limit` challenges past their expiry; returns how many. */
  deleteExpired(now: Date, limit: number): Promise<number>;
}

/** Delivers mail: a document for Firebase's "Trigger Email" extension, or SMTP. */
export interface Mailer {
  /** Queues or sends `message`; throws when it cannot (a 503 at the edge), never half-sends. */
  send(message: MailMessage): Promise<void>;
}

/** Mailed codes: one live code per purpose and email, stored as a keyed digest only. */
export interface CodeStore {
  /**
   * Replaces the code of `issue.id` with `issue`, atomically with the check that the last one was
   * issued at least `resendSeconds` before `now`; otherwise returns the seconds to wait.
   */
  issue(issue: CodeIssue, now: Date, resendSeconds: number): Promise<{ readonly retryAfterSeconds: number } | null>;
  /**
   * Checks a presented code and uses it up, atomically: its uid (and new address) when
   * `matches(storedDigest)` (the code is deleted: single use); null when there is none, it expired or died, or it does not
   * match (a wrong try counts; at `maxTries` the code dies).
   */
  consume(id: string, matches: (digest: string) => boolean, now: Date, maxTries: number): Promise<ConsumedCode | null>;
  /** Deletes the code of `id` (a mail that could not go: the retry need not wait out the resend interval). */
  withdraw(id: string): Promise<void>;
  /** Deletes up to `limit` codes past their expiry; returns how many. */
  deleteExpired(now: Date, limit: number): Promise<number>;
}

/**
 * Firebase App Check tokens (http/app-check.ts): checked as firebase-admin checks them, against
 * Google's key set in production or a local one offline (adapters/app-check-verifier.ts).
 */
export interface AppCheckTokens {
  /** The claims of a valid token; throws AppCheckRejected for a refused one, anything else for an outage. */
  verify(token: string): Promise<AppCheckClaims>;
  /** Marks a limited-use token used: true the first time, false when it was used before (a replay). */
  consume(token: string, claims: AppCheckClaims): Promise<boolean>;
}

/** Passkeys (domain/passkeys.ts): the credentials, and the WebAuthn challenges already used. */
export interface PasskeyStore {
  /**
   * Stores a new passkey, in a transaction with the count of the account's passkeys of its epoch:
   * "exists" when its credential is registered already (to any account), "full" when the account
   * has `max` already.
   */
  add(passkey: Passkey, max: number): Promise<"added" | "exists" | "full">;
  find(id: string): Promise<Passkey | null>;
  /** The account's passkeys, oldest first. */
  listOf(uid: string): Promise<Passkey[]>;
  /**
   * A sign-in with the passkey: its counter moved from `from` to `to` - compare-and-set, false when
   * another sign-in moved it meanwhile (or the passkey is gone).
   */
  recordUse(id: string, change: { readonly from: number; readonly to: number; readonly at: Date }): Promise<boolean>;
  /** Deletes the account's passkey `id`; false when it has none of that id. */
  remove(uid: string, id: string): Promise<boolean>;
  /** Deletes every passkey of the account (its deletion). */
  removeAllOf(uid: string): Promise<void>;
  /**
   * Marks a challenge used, once: true the first time (a create, atomic across instances), false
   * for a replay. The mark lives until `expiresAt` (the challenge's own expiry).
   */
  useChallenge(challenge: string, expiresAt: Date): Promise<boolean>;
  /** Deletes up to `limit` challenge marks past their expiry; returns how many. */
  deleteExpired(now: Date, limit: number): Promise<number>;
}
