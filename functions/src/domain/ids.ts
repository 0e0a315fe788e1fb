// Ids: uids, and the keyed document ids derived from emails and client networks.
import { createHash, createHmac, randomInt } from "node:crypto";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A 20-character id over [A-Za-z0-9] (about 119 bits), like Firestore's auto ids. Used for
 * uids: FlutterFlow's push-notification batching splits `users/` paths over these 62
 * characters, and the uid is also the `users/{uid}` document id.
 */
export function newId(): string {
  let id = "";
  for (let i = 0; i < 20; i++) id += ALPHANUMERIC.charAt(randomInt(ALPHANUMERIC.length));
  return id;
}

/**
 * Document ids derived from emails and client networks. Keyed with an HMAC under the server's
 * secret: an unsalted SHA-256 of an IPv4 address is reversed by trying all 2^32 of them, and an
 * email's by trying known addresses; without the secret neither can be.
 */
export interface Keys {
  /** The id of an email's credential (and everything that refers to the account by email). */
  email(canonical: string): string;
  /** The id of a throttle counter or trust marker. */
  throttle(parts: readonly string[]): string;
  /** The id of the mailed code of `purpose` for an account's email. */
  code(purpose: string, emailKey: string): string;
  /** What is stored of a code: its HMAC, bound to its document (a leaked table cannot be tried offline without the secret). */
  codeDigest(codeId: string, code: string): string;
  /** What is stored of a recovery code (canonical form): its HMAC, bound to the account. */
  recoveryCode(uid: string, code: string): string;
}

/** `Keys` under `secret` (read when first needed: a request that never derives a key never needs it). */
export function hmacKeys(secret: () => Buffer): Keys {
  const mac = (label: string, parts: readonly string[]) =>
    createHmac("sha256", secret()).update(label).update("\u0000").update(parts.join("\u0000"), "utf8").digest("hex");
  return {
    email: (canonical) => mac("email", [canonical]),
    throttle: (parts) => mac("throttle", parts),
    code: (purpose, emailKey) => mac("code", [purpose, emailKey]),
    codeDigest: (codeId, code) => mac("code-digest", [codeId, code]),
    recoveryCode: (uid, code) => mac("recovery-code", [uid, code]),
  };
}

/** What versions before the HMAC keys used as an email's credential id: its plain SHA-256 (migrated at login). */
export function legacyEmailKey(canonical: string): string {
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}
