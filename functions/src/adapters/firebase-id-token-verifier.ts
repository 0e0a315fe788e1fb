import type { Auth, DecodedIdToken } from "firebase-admin/auth";
import { withDeadline } from "../deadlines.js";
import { AppError } from "../errors.js";
import type { EndedSignIn, IdTokenVerifier, VerifiedCaller } from "../domain/ports.js";

/** firebase-admin's answers that mean "this token does not authenticate anyone". */
const REJECTED = new Set([
  "auth/argument-error",
  "auth/id-token-expired",
  "auth/id-token-revoked",
  "auth/invalid-id-token",
  "auth/user-disabled",
  "auth/user-not-found",
]);

/** The revocation check's answers for a genuine token whose sign-in has ended. */
const ENDED: Readonly<Record<string, EndedSignIn>> = {
  "auth/id-token-revoked": "revoked",
  "auth/user-not-found": "user_deleted",
};

const code = (error: unknown): unknown =>
  typeof error === "object" && error !== null && "code" in error ? error.code : undefined;

function rejectedOr(error: unknown): unknown {
  const reason = code(error);
  if (typeof reason !== "string" || !REJECTED.has(reason)) return error; // Auth out of reach: a 503 at the edge
  return new AppError("unauthenticated", "Sign in again: the sign-in token is missing, invalid or expired.", {
    headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
    cause: error,
  });
}

const caller = (decoded: DecodedIdToken, ended?: EndedSignIn): VerifiedCaller => ({
  uid: decoded.uid,
  claims: decoded,
  ...(ended !== undefined && { ended }),
});

/**
 * Firebase ID tokens with `verifyIdToken` and its revocation check: signature, audience, expiry,
 * `revokeRefreshTokens` and disabled users (one Auth lookup per call). Under the Auth emulator
 * the SDK accepts the emulator's unsigned tokens.
 */
export class FirebaseIdTokenVerifier implements IdTokenVerifier {
  constructor(private readonly auth: Auth) {}

  async verify(idToken: string, accept: readonly EndedSignIn[] = []): Promise<VerifiedCaller> {
    let ended: EndedSignIn | undefined;
    try {
      return caller(await withDeadline(() => this.auth.verifyIdToken(idToken, true)));
    } catch (error) {
      ended = ENDED[String(code(error))];
      if (ended === undefined || !accept.includes(ended)) throw rejectedOr(error);
    }
    // An accepted ending: the token must still be genuine and unexpired (checked without revocation).
    try {
      return caller(await withDeadline(() => this.auth.verifyIdToken(idToken, false)), ended);
    } catch (error) {
      throw rejectedOr(error);
    }
  }
}
