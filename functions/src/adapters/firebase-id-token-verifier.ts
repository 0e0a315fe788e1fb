import type { Auth } from "firebase-admin/auth";
import { AppError } from "../errors.js";
import type { IdTokenVerifier } from "../domain/ports.js";
import { translateStoreError } from "./store-errors.js";

/** firebase-admin's answers that mean "this token does not authenticate anyone". */
const REJECTED = new Set([
  "auth/argument-error",
  "auth/id-token-expired",
  "auth/id-token-revoked",
  "auth/invalid-id-token",
  "auth/user-disabled",
  "auth/user-not-found",
]);

const code = (error: unknown): unknown =>
  typeof error === "object" && error !== null && "code" in error ? error.code : undefined;

/**
 * Firebase ID tokens with `verifyIdToken` and its revocation check: signature, audience, expiry,
 * `revokeRefreshTokens` and disabled users (one Auth lookup per call). Under the Auth emulator
 * the SDK accepts the emulator's unsigned tokens.
 */
export class FirebaseIdTokenVerifier implements IdTokenVerifier {
  constructor(private readonly auth: Auth) {}

  async verify(idToken: string) {
    try {
      const decoded = await this.auth.verifyIdToken(idToken, true);
      return { uid: decoded.uid, claims: decoded };
    } catch (error) {
      const reason = code(error);
      if (typeof reason === "string" && REJECTED.has(reason)) {
        throw new AppError("unauthenticated", "Sign in again: the sign-in token is missing, invalid or expired.", {
          headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
          cause: error,
        });
      }
      throw translateStoreError(error);
    }
  }
}
