// Authenticator-app codes (TOTP, RFC 6238) for the second factor (issue 24): the parameters every
// authenticator app reads from an `otpauth://` URL (SHA-1, 6 digits, 30-second steps), the
// enrolment's secret and URL, and the check of a code. The HOTP/TOTP arithmetic is the `otpauth`
// library's (RFC 4226 / 6238, no dependencies); what is this project's own is the policy:
// - a code is accepted in the current step and one step either side (a phone's clock a little
//   off, a code typed as it turns), never further;
// - never twice: the step a code matched is returned, the caller stores it as the account's last
//   used step, and a code of that step or an earlier one is refused even inside its window
//   (RFC 6238, section 5.2: "the verifier MUST NOT accept the second attempt of the same OTP").
// Pure: no store, no clock of its own; second-factor.ts and second-factor-proof.ts use it.
import { HOTP, Secret, TOTP } from "otpauth";

export const TOTP_PARAMETERS = { algorithm: "SHA1", digits: 6, period: 30 } as const;

/** Steps either side of the current one a code is still accepted in. */
export const TOTP_WINDOW = 1;

/** A new secret: 20 random bytes (160 bits, RFC 4226's recommended length for SHA-1), as base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The enrolment URL an authenticator app reads (the QR code's content): `otpauth://totp/<issuer>:<email>?secret=...&issuer=...`. */
export function otpauthUrl(issuer: string, email: string, secretBase32: string): string {
  return new TOTP({ issuer, label: email, secret: Secret.fromBase32(secretBase32), ...TOTP_PARAMETERS }).toString();
}

/** The 30-second step of `now` (RFC 6238's T: seconds since the epoch over 30, floored). */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PARAMETERS.period);
}

/**
 * The step `code` belongs to, when it is the secret's code for the current step or one either
 * side AND later than `lastUsedStep` (null: no code used yet); otherwise null. A malformed code
 * (not exactly 6 digits) is null without any HMAC computed.
 */
export function matchTotp(secretBase32: string, code: string, now: Date, lastUsedStep: number | null): number | null {
  if (!/^[0-9]{6}$/.test(code)) return null;
  const secret = Secret.fromBase32(secretBase32);
  const { algorithm, digits } = TOTP_PARAMETERS;
  const current = totpStep(now);
  // Each step of the window on its own (the current one first), skipping those already used: a
  // code that happens to be both a used step's and a later one's still counts for the later one.
  for (const offset of [0, -TOTP_WINDOW, TOTP_WINDOW]) {
    const step = current + offset;
    if (lastUsedStep !== null && step <= lastUsedStep) continue;
    if (HOTP.validate({ token: code, secret, algorithm, digits, counter: step, window: 0 }) === 0) return step;
  }
  return null;
}
