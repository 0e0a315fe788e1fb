// Forgot password, by a 6-digit code sent by mail (docs/flutterflow.md, "Forgot password" and "Password reset codes"): codes rather than
// links, so the app needs no deep links or web pages. The request always answers the same; the
// code is stored only as a keyed digest, works once, for CODE_TTL_MINUTES, and dies after
// LIMITS.maxCodeTries wrong tries; a completed reset ends every session (ours and Firebase's,
// custom tokens already minted included), the account's trusted networks and pending codes, and
// clears its guessing counters. A reset of an address never proved hands the account to the
// mailbox's owner: what its previous holder wrote on it is removed (docs/security.md, "Squatted addresses").
import { replacePassword, signedIn } from "./account.js";
import type { AuthResult, MfaRequired } from "./auth-result.js";
import { checkCode, codeRejected, issueCode, withdrawCode } from "./codes.js";
import type { Deps } from "./deps.js";
import { parseEmail } from "./email.js";
import { markVerified } from "./email-verification.js";
import { renderMail } from "./mail.js";
import { type Account, type Language, StaleAccountError } from "./model.js";
import { acceptNewPassword } from "./password-policy.js";
import { removeSecondFactor, startMfaChallenge } from "./second-factor.js";
import { reserveMailRequest } from "./throttle.js";

export type PasswordResetDeps = Pick<
  Deps,
  | "accounts"
  | "codes"
  | "mailer"
  | "throttle"
  | "events"
  | "keys"
  | "clock"
  | "hasher"
  | "policy"
  | "sessions"
  | "authUsers"
  | "minter"
  | "lifetimes"
  | "mail"
  | "challenges"
  | "passkeys"
>;

const PURPOSE = "password_reset";

/**
 * Mails a reset code when `email` belongs to an enabled account. The caller's answer is the same
 * either way (202): an unknown email writes the same code document, without a code, so the
 * resend interval applies to it too and no 429 tells the two apart.
 */
export async function requestPasswordReset(
  input: { readonly email: string; readonly clientNetwork?: string | undefined; readonly language: Language },
  deps: PasswordResetDeps,
): Promise<void> {
  const email = parseEmail(input.email, deps.keys);
  const now = deps.clock.now();
  await reserveMailRequest(deps, input.clientNetwork, now);
  const account = await deps.accounts.findByEmail(email);
  const live = account !== null && !account.disabled;
  const code = await issueCode(PURPOSE, email.key, live ? account.uid : null, now, deps);
  deps.events.security({ event: "password_reset_requested", ...(live && { uid: account.uid }) });
  // Stryker disable next-line LogicalOperator,ConditionalExpression: code is null exactly when the account is not live (issueCode gets its uid only then); `code === null` narrows the type
  if (!live || code === null) return;
  const values = { app: deps.mail.appName, code, minutes: deps.mail.codeTtlMinutes };
  // A mail that cannot go is logged, not answered: a 503 here, and none for an unknown email,
  // would tell the two apart. The code stays, so a retry waits out the resend interval exactly
  // as it would for an unknown email.
  await deps.mailer
    .send(renderMail("password_reset_code", input.language, account.email, values))
    .catch((error: unknown) => deps.events.followUpFailed("send_reset_code", account.uid, error));
}

/**
 * Sets a new password with a mailed code and signs the account in. The password policy is
 * checked first (a weak password does not use the code up); the code check counts on the login
 * throttle's counters like a password guess. A code is used up when it is accepted: a failure
 * after that (a 503) needs a new code.
 *
 * An account with a second factor: the mailbox alone does not sign in. The password is set (and
 * every session ended) as for any reset, and the answer is `mfa_required` with an `mfa_token`:
 * POST /mfa/verify with a code or a recovery code makes the session. Except on an address never
 * proved, which the reset hands to the mailbox's owner (`reclaim`): the factor was its previous
 * holder's and is removed with the rest of what they wrote.
 */
export async function confirmPasswordReset(
  input: {
    readonly email: string;
    readonly code: string;
    readonly newPassword: string;
    readonly clientNetwork?: string | undefined;
    readonly language: Language;
    readonly device?: string | undefined;
  },
  deps: PasswordResetDeps,
): Promise<AuthResult | MfaRequired> {
  const email = parseEmail(input.email, deps.keys);
  const password = acceptNewPassword(input.newPassword, email, deps.policy, "new_password");
  const { used, attempt } = await checkCode(PURPOSE, email.key, input.code, input.clientNetwork, deps.clock.now(), deps);
  const account = used === null ? null : await deps.accounts.findByEmail(email);
  // Stryker disable next-line OptionalChaining: used is never null here (account is null then, and `account === null` decides first)
  if (account === null || account.uid !== used?.uid || account.disabled) throw codeRejected(PURPOSE, deps);
  let written: Account;
  try {
    written = await replacePassword(account, password, deps);
  } catch (error) {
    if (error instanceof StaleAccountError) throw codeRejected(PURPOSE, deps); // gone or moved since the read
    throw error;
  }
  const emailVerified = await mailboxProved(account, written, deps);
  // A reset is the way back into an account someone else got into: their passkeys go too (a
  // stolen session can have added one). Best effort, logged: the reset is done.
  await deps.passkeys.removeAllOf(account.uid).catch((error: unknown) => deps.events.followUpFailed("revoke_sessions", account.uid, error));
  deps.events.security({ event: "password_reset", uid: account.uid });
  // A second factor still to prove: the code's count is only given back. Clearing the counters
  // (and trusting the network) here would hand whoever holds the mailbox a fresh allowance of
  // factor guesses with every reset; the verify's success settles them.
  const factorNext = account.emailVerified && written.secondFactor !== null;
  await Promise.all([
    (factorNext ? attempt.forgiven() : attempt.succeeded({ clearAccount: true })).catch((error: unknown) =>
      deps.events.followUpFailed("reset_throttle", account.uid, error),
    ),
    deps.mailer
      .send(renderMail("password_reset_done", input.language, account.email, { app: deps.mail.appName }))
      .catch((error: unknown) => deps.events.followUpFailed("notify_password_reset", account.uid, error)),
  ]);
  if (factorNext) return startMfaChallenge(written, ["pwd"], deps);
  return signedIn({ ...written, emailVerified, secondFactor: null, ...(!account.emailVerified && { displayName: "" }) }, deps, {
    device: input.device,
  });
}

/**
 * After a mailed code set a new password on `account` (`written`: as it is now) - a reset, or an
 * emailed-code sign-in into an address never proved: an address never proved is reclaimed, the
 * account's pending codes (an email change started with the old password, a verification) die
 * with its sessions, and the address is marked verified (best effort: the act is done). Whether
 * the address is verified now.
 */
export async function mailboxProved(account: Account, written: Account, deps: PasswordResetDeps): Promise<boolean> {
  if (!account.emailVerified) await reclaim(written, deps);
  await Promise.all(
    (["email_change", "email_verification"] as const).map((purpose) =>
      withdrawCode(purpose, account.emailKey, deps).catch((error: unknown) =>
        deps.events.followUpFailed("revoke_sessions", account.uid, error),
      ),
    ),
  );
  return (
    account.emailVerified ||
    markVerified(account, deps).then(
      () => true,
      (error: unknown) => {
        deps.events.followUpFailed("mark_email_verified", account.uid, error);
        return false;
      },
    )
  );
}

/**
 * The reset proved the mailbox of an account whose address was never proved: whoever signed up
 * with it may not have owned it (a squatter). The account is treated as unclaimed: its sessions
 * (and every Firebase session made from them), trusted networks and pending codes already ended
 * with the reset; what was written on it goes too - the display name (credential, Auth user),
 * `users/{uid}` back to this backend's fields, its sub-collections (push tokens: the squatter's
 * devices would get the owner's notifications; the app's data), a second factor (the squatter's
 * authenticator would otherwise guard the owner's account). The price: a genuine owner who
 * never verified loses what the app kept under users/{uid} (docs/security.md, "Squatted addresses").
 */
async function reclaim(account: Account, deps: PasswordResetDeps): Promise<void> {
  await deps.accounts.resetProfile(account);
  if (account.secondFactor !== null || account.pendingFactor !== null) {
    await removeSecondFactor(account, deps);
    deps.events.security({ event: "mfa_disabled", uid: account.uid });
  }
  await deps.authUsers.updateProfile(account.uid, { displayName: "" });
  deps.events.security({ event: "account_reclaimed", uid: account.uid });
}
