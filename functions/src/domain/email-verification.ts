// Verified email: a 6-digit code mailed to the signed-in user's address; when it comes back, the
// credential and the Firebase Auth user (`emailVerified`) say so, and rules can read
// `request.auth.token.email_verified` from the app's next ID token.

import { existing } from "./account.js";
import { type PublicUser, publicUser } from "./auth-result.js";
import { checkCode, codeRejected, issueCode } from "./codes.js";
import type { Deps } from "./deps.js";
import { renderMail } from "./mail.js";
import type { Account, Language } from "./model.js";
import { reserveMailRequest } from "./throttle.js";

export type EmailVerificationDeps = Pick<
  Deps,
  "accounts" | "authUsers" | "codes" | "mailer" | "throttle" | "events" | "keys" | "clock" | "mail"
>;

const PURPOSE = "email_verification";

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
  const now = deps.clock.now();
  await reserveMailRequest(deps, input.clientNetwork, now);
  const code = await issueCode(PURPOSE, account.emailKey, account.uid, now, deps);
  if (code === null) throw new Error("a code is always issued for an account");
  const values = { app: deps.mail.appName, code, minutes: deps.mail.codeTtlMinutes };
  await deps.mailer.send(renderMail("email_verification_code", input.language, account.email, values));
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
