import { LIMITS } from "../config.js";
import { AppError } from "../errors.js";
import { type AuthResult, type PublicUser, publicUser, sessionClaims } from "./auth-result.js";
import type { Deps } from "./deps.js";
import type { ParsedEmail } from "./email.js";
import { emailNotVerified } from "./email-verification.js";
import { legacyEmailKey } from "./ids.js";
import { type Account, type AuthMethod, type Language, StaleAccountError } from "./model.js";
import { parseName } from "./name.js";
import { acceptNewPassword, normalizeLoginPassword } from "./password-policy.js";
import { type FactorProof, requireSecondFactor } from "./second-factor-proof.js";
import { capSessions, type IssuedToken, startSession } from "./session.js";
import { beginPasswordAttempt } from "./throttle.js";

/**
 * What a signed-in user does with their own account. The caller's uid comes from a verified
 * Firebase ID token (the HTTP layer checks it); these use cases never see the token.
 */
export type AccountDeps = Pick<
  Deps,
  | "accounts"
  | "sessions"
  | "authUsers"
  | "hasher"
  | "minter"
  | "clock"
  | "lifetimes"
  | "policy"
  | "throttle"
  | "events"
  | "keys"
  | "verification"
  | "secrets"
  | "mailer"
  | "mail"
  | "passkeys"
>;

const noAccount = (): AppError => new AppError("not_found", "There is no account for this sign-in.");

const accountDisabled = (): AppError => new AppError("forbidden", "This account is disabled.");

/** The signed-in user's account; `not_found` when it is gone or disabled. */
export async function existing(uid: string, deps: Pick<AccountDeps, "accounts">): Promise<Account> {
  const account = await deps.accounts.findByUid(uid);
  if (account === null || account.disabled) throw noAccount();
  return account;
}

/**
 * Checks the password of a signed-in user (a re-authentication for sensitive actions), under
 * the same throttle counters as login: a stolen session cannot be used to guess the password.
 */
async function passwordMatches(
  account: Account,
  password: string,
  clientNetwork: string | undefined,
  deps: Pick<AccountDeps, "hasher" | "throttle" | "clock" | "events" | "keys">,
): Promise<boolean> {
  const attempt = await beginPasswordAttempt(deps, account.emailKey, clientNetwork, deps.clock.now(), account.sessionEpoch);
  let valid = false;
  try {
    valid = await deps.hasher.verify(account.passwordHash, normalizeLoginPassword(password));
  } catch (error) {
    if (!(error instanceof AppError)) throw error; // a malformed password is simply wrong here
  }
  // A failure stays counted. With a second factor, a right password only gives its count back
  // (`forgiven`): the proof of the factor that every such act asks next settles the counters and
  // trusts the network (second-factor-proof.ts), as at sign-in - never the password alone.
  if (valid) await (account.secondFactor === null ? attempt.succeeded() : attempt.forgiven());
  return valid;
}

/** `invalid_credentials` (naming `check.field`) unless the password is the account's; counted like a login guess. */
export async function reauthenticate(
  account: Account,
  check: { readonly password: string; readonly field: string; readonly clientNetwork: string | undefined },
  deps: Pick<AccountDeps, "hasher" | "throttle" | "clock" | "events" | "keys">,
): Promise<void> {
  if (!(await passwordMatches(account, check.password, check.clientNetwork, deps))) {
    throw new AppError("invalid_credentials", "The password is incorrect.", { field: check.field });
  }
}

export async function getMe(uid: string, deps: Pick<AccountDeps, "accounts">): Promise<PublicUser> {
  return publicUser(await existing(uid, deps));
}

/** Changes the display name (and photo URL) in `users/{uid}`, the credential and the Auth user. */
export async function updateMe(
  uid: string,
  input: { readonly name?: string | undefined; readonly photoUrl?: string | undefined },
  deps: Pick<AccountDeps, "accounts" | "authUsers">,
): Promise<PublicUser> {
  const account = await existing(uid, deps);
  const displayName = input.name === undefined ? account.displayName : parseName(input.name, account.email);
  const profile = { displayName, photoUrl: input.photoUrl };
  await deps.accounts.updateProfile(account, profile);
  await deps.authUsers.updateProfile(uid, profile);
  return { ...publicUser(account), name: displayName };
}

/**
 * Changes the password: checks the current one, applies the policy, re-hashes, ends every
 * session (ours, their Firebase sessions through their live records, and Firebase's own
 * refresh tokens), and starts a fresh one for the caller, whose app signs in again with the
 * returned `jwt_token`. Under REQUIRE_VERIFIED_EMAIL an unverified account (a session from
 * before the setting) gets `email_not_verified` and nothing changes: no new session past the gate.
 *
 * Compare-and-set: the new hash is written only while the hash is still the one the current
 * password was checked against. A change racing a reset (or another change) that got there
 * first writes nothing and answers `invalid_credentials`; it never puts an old password back.
 *
 * Retry-safe: the change ends the caller's own session, so a retry after a lost answer arrives
 * with an ended token (`sessionEnded`; the route accepts that ending for this call only). If
 * the new password is already in place, the change happened: the retry gets a fresh session,
 * as the first answer would have given. Otherwise the change is made now, with the current
 * password checked as always. Either way the password is checked under the login throttle, so
 * an ended token grants nothing a login with that password would not.
 */
export async function changePassword(
  uid: string,
  input: {
    readonly currentPassword: string;
    readonly newPassword: string;
    readonly clientNetwork?: string | undefined;
    readonly sessionEnded?: boolean;
    /** A proof of the second factor, for an account that has one (step-up). */
    readonly proof?: FactorProof;
    readonly language?: Language;
    /** The device's name for the list of signed-in devices (the new session's). */
    readonly device?: string | undefined;
  },
  deps: AccountDeps,
): Promise<AuthResult> {
  const account = await existing(uid, deps);
  if (deps.verification.required && !account.emailVerified) throw emailNotVerified();
  const context = { clientNetwork: input.clientNetwork, language: input.language ?? "en" };
  if (input.sessionEnded === true && (await passwordMatches(account, input.newPassword, input.clientNetwork, deps))) {
    // The retry of a change that happened: a session again, after the factor again (the first
    // try's code is used; the app asks for the current one).
    const methods = await requireSecondFactor(account, input.proof ?? {}, context, deps);
    return signedIn(account, deps, { methods: ["pwd", ...methods], device: input.device });
  }
  await reauthenticate(account, { password: input.currentPassword, field: "current_password", clientNetwork: input.clientNetwork }, deps);
  const canonical = account.email.toLowerCase();
  const email: ParsedEmail = { display: account.email, canonical, key: account.emailKey, legacyKey: legacyEmailKey(canonical) };
  const password = acceptNewPassword(input.newPassword, email, deps.policy, "new_password");
  // Last of the checks: a proof is used up (a code's step, a recovery code), so nothing that can
  // still refuse may come after it.
  const factorMethods = await requireSecondFactor(account, input.proof ?? {}, context, deps);
  // Nothing is changed until the new session's token is minted.
  const methods: readonly AuthMethod[] = ["pwd", ...factorMethods];
  const issued = startSession(
    { ...account, sessionEpoch: account.sessionEpoch + 1 },
    deps.clock.now(),
    deps.lifetimes,
    methods,
    input.device,
  );
  const jwtToken = await deps.minter.mint(uid, sessionClaims(account.roleId, issued.record.sessionId, methods));
  let written: Account;
  try {
    written = await replacePassword(account, password, deps, account.passwordHash);
  } catch (error) {
    if (error instanceof StaleAccountError)
      throw new AppError("invalid_credentials", "The password is incorrect.", { field: "current_password" });
    throw error;
  }
  deps.events.security({ event: "password_changed", uid });
  return signedIn(written, deps, { methods, prepared: { issued, jwtToken } });
}

/**
 * Sets a new password (a change or a reset). One commit writes the hash and `sessionEpoch` + 1,
 * on the credential and its mirror (AccountStore.setNewPassword), so no session of the old
 * password - nor one a login racing the change writes after it, which carries the old epoch -
 * is live from then on, in the API or under the rules. With `expectHash` (a change) it is
 * compare-and-set. The refresh tokens and session records left (dead: an older epoch) and
 * Firebase's own refresh tokens are cleaned up after, best effort and logged.
 */
export async function replacePassword(
  account: Account,
  password: string,
  deps: Pick<Deps, "hasher" | "sessions" | "authUsers" | "accounts" | "events">,
  expectHash?: string,
): Promise<Account> {
  const passwordHash = await deps.hasher.hash(password);
  const written = await deps.accounts.setNewPassword(account, passwordHash, expectHash);
  await endSessionsAfter(account.uid, deps);
  return written;
}

/**
 * After an act that raised the session epoch in its own commit (every session is over from then
 * on): the user's refresh tokens and session records deleted, and Firebase's refresh tokens
 * revoked. Both are clean-up: a failure is logged (`revoke_sessions`), the act stands.
 */
export async function endSessionsAfter(uid: string, deps: Pick<Deps, "sessions" | "authUsers" | "events">): Promise<void> {
  await Promise.all([
    deps.sessions.revokeAllSessions(uid).catch((error: unknown) => deps.events.followUpFailed("revoke_sessions", uid, error)),
    deps.authUsers.revokeFirebaseSessions(uid).catch((error: unknown) => deps.events.followUpFailed("revoke_sessions", uid, error)),
  ]);
}

/**
 * A fresh session of `account` (as stored now: its epoch), with a custom token carrying its `sid`
 * and how it was signed in (`methods`), on `device`. `prepared`: a session already started and
 * its token already minted (a password change mints before it changes anything).
 */
export async function signedIn(
  account: Account,
  deps: Pick<Deps, "clock" | "lifetimes" | "minter" | "sessions">,
  options: {
    readonly methods?: readonly AuthMethod[] | undefined;
    /** The device's name for the list of signed-in devices. */
    readonly device?: string | undefined;
    readonly prepared?: { readonly issued: IssuedToken; readonly jwtToken: string };
  } = {},
): Promise<AuthResult> {
  const { prepared, methods = ["pwd"] } = options;
  const { refreshToken, record } = prepared?.issued ?? startSession(account, deps.clock.now(), deps.lifetimes, methods, options.device);
  const [jwtToken] = await Promise.all([
    prepared?.jwtToken ?? deps.minter.mint(account.uid, sessionClaims(account.roleId, record.sessionId, methods)),
    deps.sessions.create(record),
  ]);
  return { user: publicUser(account), jwtToken, expiresIn: LIMITS.customTokenLifetimeSeconds, refreshToken };
}

/**
 * `signedIn` for a new sign-in (not a change of an existing one): the account is then kept within
 * MAX_SESSIONS_PER_USER, as a password login does - the oldest session ends (best effort, logged).
 */
export async function signedInAgain(
  account: Account,
  deps: Pick<Deps, "clock" | "lifetimes" | "minter" | "sessions" | "accounts" | "maxSessions" | "events">,
  options: { readonly methods: readonly AuthMethod[]; readonly device?: string | undefined },
): Promise<AuthResult> {
  const result = await signedIn(account, deps, options);
  await capSessions(account, deps.maxSessions, deps).then(
    (ended) => ended > 0 && deps.events.security({ event: "sessions_capped", uid: account.uid, ended }),
    (error: unknown) => deps.events.followUpFailed("cap_sessions", account.uid, error),
  );
  return result;
}

/**
 * Deletes the account (required of App Store and Google Play apps): after the password check,
 * the credential is disabled first (no login can slip in), then the sessions, then `users/{uid}`
 * with its `fcm_tokens`, the uid index and the credential (which frees the email), and last the
 * Auth user, whose valid ID token is what lets a retry in. Every step is idempotent: a retry
 * after a partial failure finishes the job. When the records are already gone, only the Auth
 * user is left to delete, which needs no password (there is no account left to protect).
 * An account disabled by an administrator cannot delete itself: that would free the email and
 * undo the ban (a deletion of its own in progress is told apart by `deleting`).
 */
export async function deleteAccount(
  uid: string,
  input: {
    readonly password: string;
    readonly clientNetwork?: string | undefined;
    readonly proof?: FactorProof;
    readonly language?: Language;
  },
  deps: AccountDeps,
): Promise<void> {
  const account = await deps.accounts.findByUid(uid);
  if (account !== null) {
    if (account.disabled && !account.deleting) throw accountDisabled();
    await reauthenticate(account, { password: input.password, field: "password", clientNetwork: input.clientNetwork }, deps);
    // A retry of a deletion under way (its credential disabled) has proved the factor already.
    if (!account.deleting) {
      await requireSecondFactor(account, input.proof ?? {}, { clientNetwork: input.clientNetwork, language: input.language ?? "en" }, deps);
    }
  }
  await removeAccount(account, uid, deps);
}

/**
 * deleteAccount's work once the caller is allowed (the owner after the password check, or the
 * command line): every step idempotent, the credential last but one (it frees the email), the
 * Auth user last. `account` null: only the Auth user is left. The first step disables the
 * credential and raises its epoch in one commit: from then on no session of the user reaches the
 * API or the user's data under the rules, and no login can start one.
 */
export async function removeAccount(
  account: Account | null,
  uid: string,
  deps: Pick<AccountDeps, "accounts" | "sessions" | "authUsers" | "events" | "passkeys">,
): Promise<void> {
  if (account !== null) {
    await deps.accounts.startDeletion(account.emailKey).catch((error: unknown) => {
      if (!(error instanceof StaleAccountError)) throw error; // gone meanwhile: what is left is deleted below
    });
    await deps.sessions.revokeAllSessions(uid);
    // Its passkeys (a passkey of a deleted uid signs nothing in: the account lookup fails; this
    // only leaves nothing behind).
    await deps.passkeys.removeAllOf(uid);
    await deps.accounts.deleteAccountRecords(account);
  }
  await deps.authUsers.delete(uid);
  deps.events.security({ event: "account_deleted", uid });
}
