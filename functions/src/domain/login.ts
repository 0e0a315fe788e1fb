import { LIMITS } from "../config.js";
import { invalidCredentials } from "../errors.js";
import { type AuthResult, type MfaRequired, publicUser, sessionClaims } from "./auth-result.js";
import type { Deps } from "./deps.js";
import { parseEmail } from "./email.js";
import { verifiedForSignIn } from "./email-verification.js";
import { type Account, EmailTakenError, type Language } from "./model.js";
import { normalizeLoginPassword } from "./password-policy.js";
import { startMfaChallenge } from "./second-factor.js";
import { capSessions, startSession } from "./session.js";
import { beginPasswordAttempt } from "./throttle.js";

export interface LoginInput {
  readonly email: string;
  readonly password: string;
  /** The client's address as Google's front end saw it; absent when unknown. */
  readonly clientNetwork?: string | undefined;
  /** A mailed verification code (REQUIRE_VERIFIED_EMAIL); "" counts as none (an unbound FlutterFlow variable). */
  readonly code?: string | undefined;
  /** The language of a verification mail sent by this login. */
  readonly language?: Language | undefined;
  /** The device's name for the list of signed-in devices. */
  readonly device?: string | undefined;
}

export type LoginDeps = Pick<
  Deps,
  | "accounts"
  | "sessions"
  | "throttle"
  | "authUsers"
  | "hasher"
  | "minter"
  | "clock"
  | "lifetimes"
  | "events"
  | "keys"
  | "maxSessions"
  | "codes"
  | "mailer"
  | "mail"
  | "verification"
  | "challenges"
>;

/**
 * Checks the credentials and signs the account in.
 *
 * No quick exit: an unknown email is verified against a dummy hash of the same cost, and
 * every failure (unknown email, wrong password, disabled account) is the same error, so
 * neither the answer nor its timing tells whether an account exists. Failures are counted
 * by the throttle (throttle.ts), unknown emails exactly like real ones: each check is reserved
 * before its hash is computed, so a burst of guesses cannot outrun the counters.
 *
 * An account with a second factor gets no session here: `mfa_required` and an `mfa_token` for
 * POST /mfa/verify (second-factor.ts).
 *
 * The session's record carries the epoch read with the hash: a login racing a password change,
 * a reset, an email change or a disabling gets a session that is over before it is used (the
 * API and the rules compare it with the account's current epoch; /refresh refuses it too).
 */
export async function login(input: LoginInput, deps: LoginDeps): Promise<AuthResult | MfaRequired> {
  const email = parseEmail(input.email, deps.keys);
  const password = normalizeLoginPassword(input.password);
  const now = deps.clock.now();

  // The credential read and the reservation go out together; no hash before both are back. The
  // reservation's trust check needs the account's epoch: it waits for the same read.
  const read = deps.accounts.findByEmail(email);
  const [account, attempt] = await Promise.all([
    read,
    beginPasswordAttempt(
      deps,
      email.key,
      input.clientNetwork,
      now,
      read.then((found) => found?.sessionEpoch ?? null),
    ),
  ]);
  const valid = await passwordMatches(account, input.password, password, deps);
  if (account === null || !valid || account.disabled) {
    const reason = account === null ? "unknown_account" : !valid ? "wrong_password" : "account_disabled";
    deps.events.security({ event: "login_failed", reason, ...(account !== null && { uid: account.uid }) });
    throw invalidCredentials(); // already counted by the throttle
  }
  // REQUIRE_VERIFIED_EMAIL's gate. When it refuses (no code yet, or a wrong one), the password
  // attempt stays counted like a failure: settling it would clear the counters and mark the
  // network trusted, and wrong codes sent with a known password would never be throttled.
  const verified = await verifiedForSignIn(account, { ...input, language: input.language ?? "en" }, deps);
  // A second factor: no session yet, a challenge for POST /mfa/verify. The right password's count
  // is given back (`forgiven`: not a guess), but nothing is cleared and no network trusted: the
  // codes are counted by their own checks, and the verify's success settles the counters and
  // trusts the network (second-factor.ts). The hash is upgraded now: the password is known only here.
  if (verified.secondFactor !== null) {
    const [challenge] = await Promise.all([
      startMfaChallenge(verified, ["pwd"], deps),
      repairAuthUser(verified, email.canonical, deps),
      attempt.forgiven().catch((error: unknown) => deps.events.followUpFailed("reset_throttle", account.uid, error)),
      rehash(verified, password, deps).then((newHash) =>
        newHash === null
          ? undefined
          : deps.accounts.replaceHash(verified.emailKey, { from: verified.passwordHash, to: newHash }).then(
              (replaced) => replaced && deps.events.passwordRehashed(verified.uid),
              (error: unknown) => deps.events.followUpFailed("rehash_password", verified.uid, error),
            ),
      ),
    ]);
    return challenge;
  }

  const [, newHash] = await Promise.all([repairAuthUser(verified, email.canonical, deps), rehash(verified, password, deps)]);

  // After the hash, one commit: the session with the throttle's settling writes (when they could
  // not land with it, the session lands alone and the success is settled another way). A login
  // that replaces its hash writes its session in a transaction: the success is settled beside
  // it, in parallel, as before.
  const { refreshToken, record: session } = startSession(verified, now, deps.lifetimes, ["pwd"], input.device);
  const settlement = newHash === null ? attempt.success() : null;
  const rehashed = newHash === null ? undefined : { from: account.passwordHash, to: newHash };
  const settleFailed = (error: unknown) => deps.events.followUpFailed("reset_throttle", account.uid, error);
  const [jwtToken] = await Promise.all([
    deps.minter.mint(account.uid, sessionClaims(account.roleId, session.sessionId)),
    settlement === null ? attempt.succeeded().catch(settleFailed) : undefined,
    deps.sessions.create(session, { rehash: rehashed, settlement: settlement?.writes }).then(({ settled }) => {
      if (newHash !== null) deps.events.passwordRehashed(account.uid);
      return Promise.all([
        settled || settlement?.unsettled().catch(settleFailed),
        capSessions(account, deps.maxSessions, deps).then(
          (ended) => ended > 0 && deps.events.security({ event: "sessions_capped", uid: account.uid, ended }),
          (error: unknown) => deps.events.followUpFailed("cap_sessions", account.uid, error),
        ),
      ]);
    }),
  ]);

  return {
    user: publicUser(verified),
    jwtToken,
    expiresIn: LIMITS.customTokenLifetimeSeconds,
    refreshToken,
  };
}

/**
 * Checks the password against the stored hash. Hashes made here are of the NFKC form; a foreign
 * hash (an imported user's) was made by another system of the password as typed, so both forms
 * are tried there (the NFKC one is what the re-hash then stores).
 *
 * The cost depends on the input only, never on the account: a password whose NFKC form differs
 * from what was typed costs two verifications whatever the account (unknown, current hash,
 * foreign hash), one otherwise - so timing tells no registered or imported account apart.
 */
async function passwordMatches(
  account: Account | null,
  typed: string,
  normalized: string,
  deps: Pick<LoginDeps, "hasher">,
): Promise<boolean> {
  const forms = typed === normalized ? [normalized] : [typed, normalized];
  let matched = false;
  for (const [i, form] of forms.entries()) {
    const tried = account !== null && (i === forms.length - 1 || deps.hasher.needsRehash(account.passwordHash));
    // One verification per form, in turn (never a short cut once one matched).
    if (tried) matched = (await deps.hasher.verify(account.passwordHash, form)) || matched;
    else await deps.hasher.verifyDummy(form);
  }
  return matched;
}

/** Finishes a signup, or an email change, whose Auth user step was not confirmed (signup.ts, email-change.ts). */
export async function repairAuthUser(
  account: Account,
  canonical: string,
  deps: Pick<LoginDeps, "authUsers" | "events" | "accounts">,
): Promise<void> {
  if (account.authUserSynced) return;
  try {
    await deps.authUsers.ensure({
      uid: account.uid,
      email: canonical,
      displayName: account.displayName,
      emailVerified: account.emailVerified,
    });
  } catch (error) {
    // Firebase Auth gives the address to another user (one made outside this backend): the login
    // still works, the Auth user keeps its old email, and the operator sees it in the log.
    if (!(error instanceof EmailTakenError)) throw error;
    deps.events.followUpFailed("sync_auth_user", account.uid, error);
    return;
  }
  deps.events.authUserRepaired(account.uid);
  try {
    await deps.accounts.setAuthUserSynced(account.emailKey);
  } catch (error) {
    deps.events.followUpFailed("mark_auth_user_synced", account.uid, error);
  }
}

/**
 * The new hash of a hash made with weaker parameters, or by another system (an imported user):
 * it is written with the session (SessionStore.create), so after one login no foreign hash is
 * left. Null when none is needed; a failure to hash never blocks the login.
 */
async function rehash(account: Account, password: string, deps: LoginDeps): Promise<string | null> {
  if (!deps.hasher.needsRehash(account.passwordHash)) return null;
  try {
    return await deps.hasher.hash(password);
  } catch (error) {
    deps.events.followUpFailed("rehash_password", account.uid, error);
    return null;
  }
}
