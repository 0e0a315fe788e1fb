import { LIMITS } from "../config.js";
import { AppError, isAppError, isTransient } from "../errors.js";
import { type AuthResult, isMfaRequired, sessionClaims } from "./auth-result.js";
import type { Deps } from "./deps.js";
import { type ParsedEmail, parseEmail } from "./email.js";
import { emailNotVerified, mailVerificationCode } from "./email-verification.js";
import { newId } from "./ids.js";
import { type LoginDeps, login } from "./login.js";
import { EmailTakenError, type Language, type NewAccount } from "./model.js";
import { parseName } from "./name.js";
import { acceptNewPassword } from "./password-policy.js";
import { startSession } from "./session.js";
import { beginSignup } from "./throttle.js";

export interface SignupInput {
  readonly email: string;
  readonly password: string;
  readonly name?: string | undefined;
  /** The client's network (address, IPv6 /64); signups are counted per network. */
  readonly clientNetwork?: string | undefined;
  /** The language of the verification mail (SEND_VERIFICATION_ON_SIGNUP). */
  readonly language?: Language | undefined;
  /** The device's name for the list of signed-in devices. */
  readonly device?: string | undefined;
}

/** What signup uses: what login uses (a repeated signup signs in), the password policy and the default role. */
export type SignupDeps = LoginDeps & Pick<Deps, "policy" | "defaultRoleId">;

const emailTaken = (): AppError => new AppError("email_exists", "An account with this email already exists.", { field: "email" });

/**
 * Creates an account, all or nothing, and signs it in.
 *
 * Order matters, because Firebase Auth and Firestore cannot share a transaction:
 * 1. Everything that can fail without side effects first: validation, hashing, and minting
 *    the custom token (which on Cloud Functions calls the IAM signBlob API, the most common
 *    failure in production).
 * 2. One Firestore batch of `create()` writes: the credential keyed by the email's hash
 *    (first), the uid index, `users/{uid}`, the session. The credential's create precondition
 *    is the uniqueness lock: of two concurrent signups of one email exactly one batch commits.
 * 3. The Firebase Auth user. If Auth refuses it, step 2 is undone (and the Auth user deleted
 *    in case it was created but the answer lost). If the undo itself fails, or Auth could not
 *    be reached (the outcome unknown, a 503), the account's `authUserSynced` flag is still
 *    false and the next login, or the signup sent again, creates the Auth user.
 * 4. The flag is set; if that write fails the next login repairs it (idempotent).
 * A signup sent again after a lost answer (or a 503 whose commit landed all the same) signs in
 * to the account the first one made (`repeatedSignup`), instead of a 409.
 * 5. A verification code is mailed (SEND_VERIFICATION_ON_SIGNUP), best effort: a failed mail is
 *    logged and the app can ask again. It counts on the network's mail counter; when that is
 *    spent no code goes, the signup stands all the same (`follow_up_failed`, not a 429 for an
 *    account that was made). With REQUIRE_VERIFIED_EMAIL the account is made without a
 *    session, the code is mailed, and the answer is 403 `email_not_verified`: the same login
 *    call with the code signs in (without a code, login mails one).
 */
export async function signup(input: SignupInput, deps: SignupDeps): Promise<AuthResult> {
  const email = parseEmail(input.email, deps.keys);
  const displayName = parseName(input.name, email.display);
  const password = acceptNewPassword(input.password, email, deps.policy);

  const uid = newId();
  const roleId = deps.defaultRoleId;
  const now = deps.clock.now();
  // Counted before any hash: a flood of signups from one network is refused cheaply.
  const counted = await beginSignup(deps, email.key, input.clientNetwork, now);
  const passwordHash = await deps.hasher.hash(password);
  const { refreshToken, record: firstSession } = startSession(
    { uid, emailKey: email.key, sessionEpoch: 0 },
    now,
    deps.lifetimes,
    ["pwd"],
    input.device,
  );
  // REQUIRE_VERIFIED_EMAIL: no session (and no token) until the address is proved.
  const session = deps.verification.required ? null : firstSession;
  const jwtToken = session === null ? "" : await deps.minter.mint(uid, sessionClaims(roleId, session.sessionId));

  const record = newAccountRecord({ uid, email, displayName, passwordHash, roleId, emailVerified: false, now }, session);

  const stored = await storeNewAccount(record, email.canonical, deps);
  if (stored === "taken_in_auth") throw emailTaken();
  if (stored === "taken") {
    const repeated = await repeatedSignup(input, email, now, deps);
    if (repeated !== null) return repeated;
    await counted.emailTaken();
    throw emailTaken();
  }

  await Promise.all([
    deps.accounts.setAuthUserSynced(email.key).catch((error: unknown) =>
      // Not fatal: the account works, and the next login re-checks the Auth user.
      deps.events.followUpFailed("mark_auth_user_synced", uid, error),
    ),
    counted.signedUp().catch((error: unknown) => deps.events.followUpFailed("reset_throttle", uid, error)),
    (deps.verification.sendOnSignup || deps.verification.required) &&
      mailVerificationCode(
        { uid, email: email.display, emailKey: email.key },
        { clientNetwork: input.clientNetwork, language: input.language ?? "en" },
        now,
        deps,
      ).catch((error: unknown) => deps.events.followUpFailed("send_verification", uid, error)),
  ]);
  if (session === null) throw emailNotVerified();

  return {
    user: { id: uid, roleId, name: displayName, email: email.display, emailVerified: false, mfaEnabled: false },
    jwtToken,
    expiresIn: LIMITS.customTokenLifetimeSeconds,
    refreshToken,
  };
}

/**
 * The email is taken. If by an account made in the last `LIMITS.signupRetrySeconds` whose
 * password is the one given, this is the same person sending the signup again - most often a
 * retry after a lost answer or a 503 whose commit did land - and the answer is what the first
 * one would have been: signed in to that account (login finishes whatever the first attempt
 * left undone, such as the Auth user). The password is checked as a login, under the login
 * throttle, so this reveals nothing a login would not. Otherwise null: 409 `email_exists`.
 */
async function repeatedSignup(input: SignupInput, email: ParsedEmail, now: Date, deps: SignupDeps): Promise<AuthResult | null> {
  // At its keyed id only: an account still at its legacy id predates this version, and a refused
  // signup moves nothing (login does that).
  const existing = await deps.accounts.findByEmailKey(email.key);
  if (existing === null || existing.disabled) return null;
  if (now.getTime() - existing.createdAt.getTime() > LIMITS.signupRetrySeconds * 1000) return null;
  try {
    const result = await login(
      { email: input.email, password: input.password, clientNetwork: input.clientNetwork, language: input.language, device: input.device },
      deps,
    );
    return isMfaRequired(result) ? null : result; // a factor turned on since: not a retry of this signup
  } catch (error) {
    if (isAppError(error) && error.code === "invalid_credentials") return null;
    throw error;
  }
}

/**
 * What a new account writes (AccountStore.create): the credential and its mirror, `users/{uid}`,
 * and its first session when it has one (signup; the emailed-code sign-in makes its session after).
 */
export function newAccountRecord(
  fields: {
    readonly uid: string;
    readonly email: ParsedEmail;
    readonly displayName: string;
    readonly passwordHash: string;
    readonly roleId: number;
    readonly emailVerified: boolean;
    readonly now: Date;
  },
  session: NewAccount["session"],
): NewAccount {
  const { uid, email, displayName, passwordHash, roleId, emailVerified, now } = fields;
  return {
    account: {
      uid,
      email: email.display,
      emailKey: email.key,
      displayName,
      passwordHash,
      roleId,
      disabled: false,
      authUserSynced: false,
      deleting: false,
      emailVerified,
      sessionEpoch: 0,
      sessionCount: session === null ? 0 : 1,
      createdAt: now,
      secondFactor: null,
      pendingFactor: null,
    },
    profile: { uid, email: email.display, displayName, roleId, createdAt: now },
    session,
    legacyEmailKey: email.legacyKey,
  };
}

/**
 * Steps 2 and 3 of `signup`: the account's records in one commit, then its Firebase Auth user.
 * "taken": the address has an account (nothing written); "taken_in_auth": Firebase Auth gave it
 * to another user (the records were undone). Shared with the emailed-code sign-in's signups
 * (login-code.ts); the synced flag (step 4) is the caller's, beside its other follow-ups.
 */
export async function storeNewAccount(
  record: NewAccount,
  canonical: string,
  deps: Pick<SignupDeps, "accounts" | "authUsers" | "events">,
): Promise<"created" | "taken" | "taken_in_auth"> {
  const { uid, displayName, emailVerified } = record.account;
  try {
    await deps.accounts.create(record);
  } catch (error) {
    if (error instanceof EmailTakenError) return "taken";
    throw error;
  }
  try {
    await deps.authUsers.create({ uid, email: canonical, displayName, ...(emailVerified && { emailVerified }) });
  } catch (error) {
    // Auth out of reach or silent: the user may or may not have been created (a request to a
    // silent Auth can still land later, after an undo). The account stays, marked unsynced, and
    // the answer is a 503: the retry (repeatedSignup) or any login creates or confirms the Auth
    // user. Undoing now could leave an Auth user behind with no account, holding the email.
    if (isTransient(error)) throw error;
    await rollback(record, deps);
    if (error instanceof EmailTakenError) return "taken_in_auth";
    throw error;
  }
  return "created";
}

async function rollback(record: NewAccount, deps: Pick<SignupDeps, "accounts" | "authUsers" | "events">): Promise<void> {
  const uid = record.account.uid;
  const results = await Promise.allSettled([deps.authUsers.delete(uid), deps.accounts.deleteCreated(record)]);
  for (const result of results) {
    if (result.status === "rejected") deps.events.rollbackFailed(uid, result.reason);
  }
}
