// Verified email: a 6-digit code mailed to the signed-in user's address; when it comes back, the
// credential and the Firebase Auth user (`emailVerified`) say so, and rules can read
// `request.auth.token.email_verified` from the app's next ID token.

import { AppError, isAppError } from "../errors.js";
import { existing } from "./account.js";
import { type PublicUser, publicUser } from "./auth-result.js";
import { checkCode, codeRejected, issueAndMail } from "./codes.js";
import type { Deps } from "./deps.js";
import { renderMail } from "./mail.js";
import type { Account, Language } from "./model.js";
import { reserveMailRequest } from "./throttle.js";

export type EmailVerificationDeps = Pick<
  Deps,
  "accounts" | "authUsers" | "codes" | "mailer" | "throttle" | "events" | "keys" | "clock" | "mail"
>;

const PURPOSE = "email_verification";

/** REQUIRE_VERIFIED_EMAIL: what login, signup and refresh answer for an account whose address is not proved. */
export const emailNotVerified = (): AppError =>
  new AppError("email_not_verified", "Confirm your email address: enter the code we sent to it.");

type MailDeps = Pick<Deps, "codes" | "keys" | "mail" | "mailer" | "throttle" | "events">;

/**
 * Issues a verification code and mails it to the account's address (429 inside the resend
 * interval; a failed mail withdraws it). Uncounted: every caller reserves the mail first.
 */
async function sendVerificationCode(
  account: Pick<Account, "uid" | "email" | "emailKey">,
  language: Language,
  now: Date,
  deps: Pick<Deps, "codes" | "keys" | "mail" | "mailer">,
): Promise<void> {
  await issueAndMail(PURPOSE, account, now, deps, (code) =>
    deps.mailer.send(
      renderMail("email_verification_code", language, account.email, { app: deps.mail.appName, code, minutes: deps.mail.codeTtlMinutes }),
    ),
  );
}

/**
 * Mails a verification code, counted first on the client network's mail counter (`mail_ip`) like
 * every mail that carries a code: 429 when that counter is spent (nothing issued, so an earlier
 * code still works) or inside the resend interval.
 */
export async function mailVerificationCode(
  account: Pick<Account, "uid" | "email" | "emailKey">,
  input: { readonly clientNetwork?: string | undefined; readonly language: Language },
  now: Date,
  deps: MailDeps,
): Promise<void> {
  await reserveMailRequest(deps, input.clientNetwork, now);
  await sendVerificationCode(account, input.language, now, deps);
}

/**
 * The sign-in gate of REQUIRE_VERIFIED_EMAIL, after the password was found right: the account as
 * it may sign in (verified now, when `code` proves the address), or 403 `email_not_verified`
 * after mailing a code (none when one went out within the resend interval: that one still works).
 * A wrong code is `invalid_code`, counted like a guess. The mail counts on the network's mail
 * counter; when that is spent the answer is 429 (see below).
 */
export async function verifiedForSignIn(
  account: Account,
  input: { readonly code?: string | undefined; readonly clientNetwork?: string | undefined; readonly language: Language },
  deps: EmailVerificationDeps & Pick<Deps, "verification">,
): Promise<Account> {
  if (!deps.verification.required || account.emailVerified) return account;
  const now = deps.clock.now();
  if (input.code === undefined || input.code === "") {
    // Counted on the network's mail counter like every mail that carries a code. When that is
    // spent the answer is 429 too_many_requests with Retry-After, not the 403, whose "enter the
    // code we sent" would be false: the user would wait for a mail that never comes instead of
    // being told when to try again. It tells no more than the 403 (both come only after the
    // right password), and nothing is issued, so a code mailed earlier still signs in. Inside
    // the resend interval the answer stays 403: the code sent then still works.
    await reserveMailRequest(deps, input.clientNetwork, now);
    await sendVerificationCode(account, input.language, now, deps).catch((error: unknown) => {
      if (!(isAppError(error) && error.code === "too_many_requests")) throw error;
    });
    throw emailNotVerified();
  }
  const { used, attempt } = await checkCode(PURPOSE, account.emailKey, input.code, input.clientNetwork, now, deps);
  if (used?.uid !== account.uid) throw codeRejected(PURPOSE, deps);
  await markVerified(account, deps);
  await attempt.succeeded().catch((error: unknown) => deps.events.followUpFailed("reset_throttle", account.uid, error));
  return { ...account, emailVerified: true };
}

/** Both records say the email is proved; the Auth user first (what rules read), then the credential. */
export async function markVerified(account: Account, deps: Pick<Deps, "accounts" | "authUsers" | "events">): Promise<void> {
  await deps.authUsers.setEmailVerified(account.uid);
  await deps.accounts.setEmailVerified(account.emailKey);
  deps.events.security({ event: "email_verified", uid: account.uid });
}

/** Mails a code to the signed-in user's address. An address already verified gets none (nothing to do). */
export async function requestEmailVerification(
  uid: string,
  input: { readonly clientNetwork?: string | undefined; readonly language: Language },
  deps: EmailVerificationDeps,
): Promise<{ readonly alreadyVerified: boolean }> {
  const account = await existing(uid, deps);
  if (account.emailVerified) return { alreadyVerified: true };
  await mailVerificationCode(account, input, deps.clock.now(), deps);
  return { alreadyVerified: false };
}

/** Checks the code (counted on the login throttle like a guess) and marks the email verified. */
export async function confirmEmailVerification(
  uid: string,
  input: { readonly code: string; readonly clientNetwork?: string | undefined },
  deps: EmailVerificationDeps,
): Promise<PublicUser> {
  const account = await existing(uid, deps);
  if (account.emailVerified) return publicUser(account);
  const { used, attempt } = await checkCode(PURPOSE, account.emailKey, input.code, input.clientNetwork, deps.clock.now(), deps);
  if (used?.uid !== account.uid) throw codeRejected(PURPOSE, deps);
  await markVerified(account, deps);
  await attempt.succeeded().catch((error: unknown) => deps.events.followUpFailed("reset_throttle", account.uid, error));
  return { ...publicUser(account), emailVerified: true };
}
