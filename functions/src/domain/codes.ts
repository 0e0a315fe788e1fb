// Mailed codes, shared by password reset and email verification: 6 digits from a CSPRNG, stored
// only as a keyed digest bound to its document, one live code per purpose and email, resent at
// most every LIMITS.codeResendSeconds, dead after LIMITS.maxCodeTries wrong tries, single use,
// compared in constant time (docs/security.md, "Password reset codes").
import { randomInt, timingSafeEqual } from "node:crypto";
import { LIMITS } from "../config.js";
import { AppError } from "../errors.js";
import type { Deps } from "./deps.js";
import type { CodePurpose, ConsumedCode } from "./model.js";
import { beginPasswordAttempt, type PasswordAttempt, type ThrottleDeps, tooManyRequests } from "./throttle.js";

type CodeDeps = Pick<Deps, "codes" | "keys" | "mail">;

/** A code as mailed: 6 digits, leading zeros kept. */
export const newCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, "0");

const invalidCode = (): AppError =>
  new AppError("invalid_code", "The code is wrong, expired or already used. Request a new one.", { field: "code" });

/**
 * Issues a new code of `purpose` for the email `emailKey` and returns it, or null for `uid` null
 * (no account, or an address that cannot be had: the same document is written, without a code,
 * so the resend interval applies alike). `newEmail` is the address an email change moves to.
 * Throws 429 inside the resend interval.
 */
export async function issueCode(
  purpose: CodePurpose,
  emailKey: string,
  uid: string | null,
  now: Date,
  deps: CodeDeps,
  newEmail: string | null = null,
  sessionEpoch?: number,
): Promise<string | null> {
  const id = deps.keys.code(purpose, emailKey);
  const code = uid === null ? null : newCode();
  const refused = await deps.codes.issue(
    {
      id,
      purpose,
      uid,
      digest: code === null ? null : deps.keys.codeDigest(id, code),
      expiresAt: new Date(now.getTime() + deps.mail.codeTtlMinutes * 60_000),
      newEmail: code === null ? null : newEmail,
      ...(code !== null && sessionEpoch !== undefined && { sessionEpoch }),
    },
    now,
    LIMITS.codeResendSeconds,
  );
  if (refused !== null) throw tooManyRequests(refused.retryAfterSeconds);
  return code;
}

/**
 * Issues a code for an account and mails it with `send`. When the mail cannot go, the code is
 * withdrawn (a retry need not wait out the resend interval) and the failure thrown: a 503 that
 * changed nothing.
 */
export async function issueAndMail(
  purpose: CodePurpose,
  account: { readonly uid: string; readonly emailKey: string },
  now: Date,
  deps: CodeDeps,
  send: (code: string) => Promise<void>,
  newEmail: string | null = null,
): Promise<void> {
  const code = await issueCode(purpose, account.emailKey, account.uid, now, deps, newEmail);
  // Stryker disable next-line ConditionalExpression,StringLiteral,CallExpression: unreachable (issueCode returns a code for every non-null uid; this narrows the type)
  if (code === null) throw new Error("a code is always issued for an account");
  try {
    await send(code);
  } catch (error) {
    await withdrawCode(purpose, account.emailKey, deps);
    throw error;
  }
}

/**
 * Deletes the code document of `purpose` and `emailKey` after its mail could not go, so that a
 * retry need not wait out the resend interval; best effort (at worst the retry waits 60 s).
 */
export async function withdrawCode(purpose: CodePurpose, emailKey: string, deps: CodeDeps): Promise<void> {
  await deps.codes.withdraw(deps.keys.code(purpose, emailKey)).catch(() => undefined);
}

/**
 * Checks a presented code of `purpose` for `emailKey`, counted on the login throttle's counters
 * of that email and network like a password guess: the code's uid (and new address) when it is
 * the live code (it is used up), else null (wrong, expired, used, dead), and the attempt, to
 * settle on success. A string that is not 6 digits is refused before anything is counted or read.
 */
export async function checkCode(
  purpose: CodePurpose,
  emailKey: string,
  code: string,
  clientNetwork: string | undefined,
  now: Date,
  deps: CodeDeps & ThrottleDeps,
): Promise<{ readonly used: ConsumedCode | null; readonly attempt: PasswordAttempt }> {
  if (!/^[0-9]{6}$/.test(code)) throw invalidCode();
  // The account is not known yet (the code names it): its trusted networks do not apply to codes.
  const attempt = await beginPasswordAttempt(deps, emailKey, clientNetwork, now, null);
  const id = deps.keys.code(purpose, emailKey);
  const presented = Buffer.from(deps.keys.codeDigest(id, code), "hex");
  const matches = (digest: string) => {
    const stored = Buffer.from(digest, "hex");
    return stored.length === presented.length && timingSafeEqual(stored, presented);
  };
  return { used: await deps.codes.consume(id, matches, now, LIMITS.maxCodeTries), attempt };
}

/** The answer to a code that does not fit (already counted by the throttle), with its security event. */
export function codeRejected(purpose: CodePurpose, deps: Pick<Deps, "events">): AppError {
  deps.events.security({ event: "code_rejected", purpose });
  return invalidCode();
}
