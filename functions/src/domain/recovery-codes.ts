// Recovery codes for the second factor (issue 24): ten single-use codes shown once at activation,
// for a user without their authenticator app. Each is 16 characters of a 32-letter alphabet
// without look-alikes (no I, O, 0, 1): 80 bits, above the 64 the issue asks (NIST SP 800-63B
// asks rate limiting of look-up secrets under 64 bits; these are rate limited anyway: the
// throttle counts every one), written in groups of four (`K7QM-2XRD-...`). Stored only as keyed
// digests (`Keys.recoveryCode`, an HMAC under the server's secret bound to the account): a
// leaked table cannot be tried offline without that secret, and one account's digest says
// nothing of another's. NIST asks a salted password hash below 112 bits; a keyed HMAC is this
// project's choice (docs/security.md, "Second factor"). Typed back, case, spaces and dashes do not count.
import { randomInt } from "node:crypto";

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const LENGTH = 16;
export const RECOVERY_CODE_COUNT = 10;

/** A new set of recovery codes, as shown to the user. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    let code = "";
    for (let i = 0; i < LENGTH; i++) code += ALPHABET.charAt(randomInt(ALPHABET.length));
    return code.match(/.{4}/g)?.join("-") ?? code;
  });
}

/** A typed recovery code in its canonical form (upper case, no spaces or dashes); null when it cannot be one. */
export function canonicalRecoveryCode(typed: string): string | null {
  const code = typed.replace(/[\s-]/g, "").toUpperCase();
  if (code.length !== LENGTH) return null;
  for (const char of code) if (!ALPHABET.includes(char)) return null;
  return code;
}
