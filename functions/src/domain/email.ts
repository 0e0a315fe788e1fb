import { z } from "zod";
import { LIMITS } from "../config.js";
import { invalidRequest } from "../errors.js";
import { type Keys, legacyEmailKey } from "./ids.js";

/**
 * Email policy (documented in the README):
 * - Surrounding white space is trimmed; the address is kept as typed for display.
 * - Only ASCII addresses are accepted. Internationalized addresses (Unicode local parts or
 *   domains) are refused rather than mapped: Unicode case mapping and IDNA folding turn
 *   look-alikes (Kelvin sign U+212A, dotless i, full-width letters) into ASCII letters, which
 *   would let a look-alike address reach someone else's account. Punycode domains (`xn--`)
 *   are ASCII and accepted.
 * - The pattern is zod's default email pattern (dot-atom local part of letters, digits and
 *   `_ ' + -`, a domain with a TLD of two or more letters); at most 254 characters, 64 before `@`.
 * - Addresses are compared case-insensitively (ASCII lower case), as Firebase Auth does.
 * - Documents are keyed by an HMAC of the canonical address under the server's secret (`Keys`),
 *   never by the address itself, so no address can form a bad document path or be read off (or
 *   guessed from) a document id.
 */
export interface ParsedEmail {
  /** Trimmed, as typed. */
  readonly display: string;
  /** ASCII lower case of `display`: the identity of the account. */
  readonly canonical: string;
  /** The document id of the email's credential (`Keys.email`). */
  readonly key: string;
  /** Its id before the HMAC keys (plain SHA-256), still looked up for migration. */
  readonly legacyKey: string;
}

const emailPattern = z.regexes.email;
// Printable ASCII only: no controls (CR, LF, NUL), no DEL, nothing above U+007E.
const printableAscii = /^[\x21-\x7e]+$/;

/** `field`: the request field a refusal names (`new_email` for an email change). */
export function parseEmail(raw: string, keys: Pick<Keys, "email">, field = "email"): ParsedEmail {
  const display = raw.trim();
  if (display.length === 0) throw invalidRequest(field, "Enter your email address.");
  if (!printableAscii.test(display)) {
    throw invalidRequest(field, "The email address may contain only ASCII letters, digits and symbols.");
  }
  const at = display.lastIndexOf("@");
  if (display.length > LIMITS.maxEmailLength || at > LIMITS.maxEmailLocalLength) {
    throw invalidRequest(field, "The email address is too long.");
  }
  if (!emailPattern.test(display)) {
    throw invalidRequest(field, "Enter a valid email address.");
  }
  const canonical = display.toLowerCase();
  return { display, canonical, key: keys.email(canonical), legacyKey: legacyEmailKey(canonical) };
}
