import { LIMITS } from "../config.js";
import { AppError, invalidRequest, type WeakPasswordReason } from "../errors.js";
import type { ParsedEmail } from "./email.js";

/**
 * Password policy (NIST SP 800-63B-4, OWASP ASVS 5.0): length only, no composition rules.
 * - Lone UTF-16 surrogates are refused: "\uD800x" and "\uDBFFx" would encode to the same
 *   UTF-8 bytes and so hash alike. Every other code point, NUL included, is accepted.
 * - The password is NFKC-normalized (so NFC and NFD forms of one password are one password),
 *   then counted in code points, never truncated.
 * - Refused: shorter than the minimum, longer than the maximum, on the common-password
 *   blocklist (compared in lower case), or equal to the email address or its local part.
 */
export interface PasswordPolicy {
  readonly minLength: number;
  readonly maxLength: number;
  /** Is this (NFKC, lower-cased) password on the blocklist? */
  readonly isCommon: (lowercased: string) => boolean;
}

const weak = (field: string, reason: WeakPasswordReason, message: string): AppError =>
  new AppError("weak_password", message, { field, reason });

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * Checks a password chosen at signup (or a change, or a reset); returns the form to hash. A
 * refusal names `field`, the request field the password came in.
 */
export function acceptNewPassword(password: string, email: ParsedEmail, policy: PasswordPolicy, field = "password"): string {
  // Length is checked on the raw string first so a huge password costs nothing more.
  if (password.length > 4 * LIMITS.hardMaxPasswordLength) {
    throw weak(field, "too_long", `The password must be at most ${policy.maxLength} characters.`);
  }
  if (!password.isWellFormed()) {
    throw weak(field, "invalid_characters", "The password contains an invalid character.");
  }
  const normalized = password.normalize("NFKC");
  const length = codePoints(normalized);
  if (length < policy.minLength) {
    throw weak(field, "too_short", `The password must be at least ${policy.minLength} characters.`);
  }
  if (length > policy.maxLength) {
    throw weak(field, "too_long", `The password must be at most ${policy.maxLength} characters.`);
  }
  const lowered = normalized.toLowerCase();
  const localPart = email.canonical.slice(0, email.canonical.lastIndexOf("@"));
  if (lowered === email.canonical || lowered === localPart) {
    throw weak(field, "matches_email", "The password must not be your email address.");
  }
  if (policy.isCommon(lowered)) {
    throw weak(field, "common", "This password is too common. Choose a less predictable one.");
  }
  return normalized;
}

/**
 * Prepares a password typed at login. No minimum (an older, shorter password must still
 * work if the minimum is raised later), but the hard maximum and the surrogate rule apply,
 * so the hasher never sees an over-long or ambiguous input.
 */
export function normalizeLoginPassword(password: string): string {
  if (password.length === 0) throw invalidRequest("password", "Enter your password.");
  if (password.length > 4 * LIMITS.hardMaxPasswordLength || !password.isWellFormed()) {
    throw invalidRequest("password", "The password is too long or contains an invalid character.");
  }
  const normalized = password.normalize("NFKC");
  if (codePoints(normalized) > LIMITS.hardMaxPasswordLength) {
    throw invalidRequest("password", "The password is too long or contains an invalid character.");
  }
  return normalized;
}
