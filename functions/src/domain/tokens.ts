// Refresh tokens: made, stored only as a digest, and their successors derived.
import { createHash, createHmac, randomBytes } from "node:crypto";

/** An opaque refresh token: 32 bytes from the CSPRNG, base64url (43 characters). */
export function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The successor of a refresh token: HMAC-SHA256 under the server's secret, base64url (43
 * characters, the shape of `newRefreshToken`). Deterministic, so a token presented twice within
 * the reuse interval gets the same successor without any token being stored; unpredictable
 * without the secret, so a stolen old token does not yield its family's future tokens.
 */
export function successorToken(secret: Buffer, token: string): string {
  return createHmac("sha256", secret).update("refresh-successor\u0000").update(token, "utf8").digest("base64url");
}

/** Only this digest of a refresh token is ever stored. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
