// Forgot password, by a 6-digit code sent by mail (README, "Password reset"): codes rather than
// links, so the app needs no deep links or web pages. The request always answers the same; the
// code is stored only as a keyed digest, works once, for CODE_TTL_MINUTES, and dies after
// LIMITS.maxCodeTries wrong tries; a completed reset ends every session (ours and Firebase's) and
// clears the account's guessing counters.
import { randomInt, timingSafeEqual } from "node:crypto";
import { LIMITS } from "../config.js";
import { AppError } from "../errors.js";
import { signedIn } from "./account.js";
import type { AuthResult } from "./auth-result.js";
import type { Deps } from "./deps.js";
import { parseEmail } from "./email.js";
import { renderMail } from "./mail.js";
import type { Language } from "./model.js";
import { acceptNewPassword } from "./password-policy.js";
import { beginPasswordAttempt, reserveMailRequest, tooManyRequests } from "./throttle.js";

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
>;

const PURPOSE = "password_reset";

/** A code as mailed: 6 digits from a CSPRNG, leading zeros kept. */
export const newCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, "0");

const invalidCode = (): AppError =>
  new AppError("invalid_code", "The code is wrong, expired or already used. Request a new one.", { field: "code" });

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
  const id = deps.keys.code(PURPOSE, email.key);
  const code = newCode();
  const minutes = deps.mail.codeTtlMinutes;
  const refused = await deps.codes.issue(
    {
      id,
      purpose: PURPOSE,
      uid: live ? account.uid : null,
      digest: live ? deps.keys.codeDigest(id, code) : null,
      expiresAt: new Date(now.getTime() + minutes * 60_000),
    },
    now,
    LIMITS.codeResendSeconds,
  );
  if (refused !== null) throw tooManyRequests(refused.retryAfterSeconds);
  deps.events.security({ event: "password_reset_requested", ...(live && { uid: account.uid }) });
  if (!live) return;
  await deps.mailer.send(renderMail("password_reset_code", input.language, account.email, { app: deps.mail.appName, code, minutes }));
}

/**
 * Sets a new password with a mailed code and signs the account in. The password policy is
 * checked first (a weak password does not use the code up); the code check counts on the login
 * throttle's counters like a password guess. A code is used up when it is accepted: a failure
 * after that (a 503) needs a new code.
 */
export async function confirmPasswordReset(
  input: {
    readonly email: string;
    readonly code: string;
    readonly newPassword: string;
    readonly clientNetwork?: string | undefined;
    readonly language: Language;
  },
  deps: PasswordResetDeps,
): Promise<AuthResult> {
  const email = parseEmail(input.email, deps.keys);
  let password: string;
  try {
    password = acceptNewPassword(input.newPassword, email, deps.policy);
  } catch (error) {
    if (error instanceof AppError) throw new AppError(error.code, error.message, { ...error.details, field: "new_password" });
    throw error;
  }
  if (!/^[0-9]{6}$/.test(input.code)) throw invalidCode();
  const now = deps.clock.now();
  const attempt = await beginPasswordAttempt(deps, email.key, input.clientNetwork, now);
  const id = deps.keys.code(PURPOSE, email.key);
  const presented = Buffer.from(deps.keys.codeDigest(id, input.code), "hex");
  const matches = (digest: string) => {
    const stored = Buffer.from(digest, "hex");
    return stored.length === presented.length && timingSafeEqual(stored, presented);
  };
  const uid = await deps.codes.consume(id, matches, now, LIMITS.maxCodeTries);
  const account = uid === null ? null : await deps.accounts.findByEmail(email);
  if (account === null || account.uid !== uid || account.disabled) {
    deps.events.security({ event: "code_rejected", purpose: PURPOSE });
    throw invalidCode(); // counted by the throttle
  }
  // As a password change (account.ts): sessions end before the password does.
  const passwordHash = await deps.hasher.hash(password);
  await deps.sessions.revokeAllSessions(account.uid);
  await deps.authUsers.revokeFirebaseSessions(account.uid);
  await deps.accounts.setNewPassword(account, passwordHash);
  await deps.authUsers.revokeFirebaseSessions(account.uid);
  deps.events.security({ event: "password_reset", uid: account.uid });
  await Promise.all([
    attempt.succeeded({ clearAccount: true }).catch((error: unknown) => deps.events.followUpFailed("reset_throttle", account.uid, error)),
    deps.mailer
      .send(renderMail("password_reset_done", input.language, account.email, { app: deps.mail.appName }))
      .catch((error: unknown) => deps.events.followUpFailed("notify_password_reset", account.uid, error)),
  ]);
  return signedIn(account, account.sessionEpoch + 1, deps);
}
