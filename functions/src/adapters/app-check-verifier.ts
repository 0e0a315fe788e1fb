// Firebase App Check tokens (the `X-Firebase-AppCheck` header), checked as firebase-admin 14 checks
// them (lib/app-check/token-verifier.js and lib/utils/jwt.js), with the key set injectable so the
// tests and the local stack run offline. In firebase-admin's order, before the signature: the
// header's alg is RS256; aud is a non-empty array holding `projects/<projectId>`; iss starts with
// https://firebaseappcheck.googleapis.com/; sub (the app id) is a non-empty string. Then the
// RS256 signature by the key its `kid` names (no kid: every key is tried, as firebase-admin does),
// exp and nbf against the clock with no leeway (jsonwebtoken's defaults, which firebase-admin
// keeps: expired once now >= exp, not yet valid while nbf > now; iat is not checked).
// Stricter than firebase-admin: with a project number configured, aud must hold
// `projects/<projectNumber>` too and iss must be exactly the issuer of that number; exp is
// required (jsonwebtoken lets a token without one through); iat, nbf and exp must be numbers and
// jti, when present, a non-empty string; a `crit` header is refused (App Check uses no extension).
// Keys: Google's JWKS in production (cached 6 hours as firebase-admin does; an unknown kid
// refetches it, at most every 30 s), a local key set elsewhere.
// A token problem is an AppCheckRejected (its message never quotes the token); failing to FETCH
// Google's key set is not one: that error propagates as it is (an outage, not a forged token).
// Consumption (replay protection of limited-use tokens by their jti) is NOT done here.

import { createLocalJWKSet, createRemoteJWKSet, errors, type JWK, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { type AppCheckClaims, type AppCheckFailure, AppCheckRejected } from "../domain/model.js";

export type { AppCheckClaims, AppCheckFailure };
export { AppCheckRejected };

export interface AppCheckVerifier {
  /** The token's claims; throws AppCheckRejected for any token problem, anything else for an outage. */
  verify(token: string): Promise<AppCheckClaims>;
}

export const GOOGLE_APP_CHECK_JWKS_URL = "https://firebaseappcheck.googleapis.com/v1/jwks";

const ISSUER = "https://firebaseappcheck.googleapis.com/";
const ALGORITHM = "RS256";
/** Real App Check tokens are about 1 KB; anything far longer is refused unread. */
const MAX_TOKEN_LENGTH = 4096;
/** Three base64url parts, the signature possibly empty (jsonwebtoken's decode accepts the same shape). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** firebase-admin keeps Google's App Check keys 6 hours (jwt.js, JwksFetcher). */
const GOOGLE_KEYS_MAX_AGE_MS = 6 * 60 * 60 * 1000;
/** Within the 6 s a call to Firestore or Auth gets (config.ts, DEADLINES.callMs). */
const GOOGLE_KEYS_TIMEOUT_MS = 5_000;

export function appCheckVerifier(options: {
  readonly projectId: string;
  readonly projectNumber?: string | undefined;
  /** "google": Google's JWKS over HTTPS (production); else a key set (a JSON Web Key Set object, public keys) for offline tests and the local stack. */
  readonly keys: "google" | { readonly keys: readonly JWK[] };
  /** For tests: where "google" fetches its key set (GOOGLE_APP_CHECK_JWKS_URL). */
  readonly jwksUrl?: URL | undefined;
  /** For tests: the current time. */
  readonly now?: (() => Date) | undefined;
}): AppCheckVerifier {
  const { projectId, projectNumber, now } = options;
  if (projectId === "") throw new Error("App Check: the project id is empty");
  if (projectNumber !== undefined && !/^[0-9]+$/.test(projectNumber)) {
    throw new Error("App Check: the project number must be digits");
  }
  const keySet: JWTVerifyGetKey =
    options.keys === "google"
      ? createRemoteJWKSet(options.jwksUrl ?? new URL(GOOGLE_APP_CHECK_JWKS_URL), {
          cacheMaxAge: GOOGLE_KEYS_MAX_AGE_MS,
          timeoutDuration: GOOGLE_KEYS_TIMEOUT_MS,
        })
      : createLocalJWKSet({ keys: [...options.keys.keys] });
  const audiences = [`projects/${projectId}`, ...(projectNumber === undefined ? [] : [`projects/${projectNumber}`])];

  return {
    async verify(token: string): Promise<AppCheckClaims> {
      const { header, payload } = decoded(token);
      // firebase-admin's verifyContent, in its order.
      if (header.alg !== ALGORITHM) throw new AppCheckRejected("wrong_algorithm");
      const { aud, iss, sub, exp, jti } = payload;
      if (!Array.isArray(aud) || aud.length === 0 || !audiences.every((wanted) => aud.includes(wanted))) {
        throw new AppCheckRejected("wrong_audience");
      }
      if (typeof iss !== "string" || (projectNumber === undefined ? !iss.startsWith(ISSUER) : iss !== `${ISSUER}${projectNumber}`)) {
        throw new AppCheckRejected("wrong_issuer");
      }
      if (typeof sub !== "string" || sub === "") throw new AppCheckRejected("no_subject");
      if (typeof exp !== "number" || !Number.isFinite(exp)) throw new AppCheckRejected("malformed");
      if (jti !== undefined && (typeof jti !== "string" || jti === "")) throw new AppCheckRejected("malformed");

      await verified(token, keySet, now?.());
      return { appId: sub, tokenId: jti, expiresAt: new Date(exp * 1000) };
    },
  };
}

type Json = Readonly<Record<string, unknown>>;

/** The header and payload as sent (unverified): JSON objects, or the token is malformed. */
function decoded(token: string): { readonly header: Json; readonly payload: Json } {
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw new AppCheckRejected("malformed");
  }
  const [header, payload] = token.split(".").map(jsonObject);
  if (header === undefined || payload === undefined) throw new AppCheckRejected("malformed");
  // Critical extensions: App Check uses none, and jose would refuse unknown ones as unsupported
  // (JOSENotSupported, which is not a token's fault elsewhere).
  if (header.crit !== undefined) throw new AppCheckRejected("malformed");
  return { header, payload };
}

function jsonObject(part: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** The signature, exp and nbf, by jose; its token errors become AppCheckRejected, the rest (key set out of reach) propagate. */
async function verified(token: string, keySet: JWTVerifyGetKey, currentDate: Date | undefined): Promise<JWTPayload> {
  const options = { algorithms: [ALGORITHM], ...(currentDate !== undefined && { currentDate }) };
  try {
    try {
      return (await jwtVerify(token, keySet, options)).payload;
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
      // No kid (or one several keys share): like firebase-admin (jwt.js, verifyWithAllKeys), any key will do.
      for await (const key of error) {
        try {
          return (await jwtVerify(token, key, options)).payload;
        } catch (attempt) {
          if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw attempt;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  } catch (error) {
    const reason = failureOf(error);
    if (reason === undefined) throw error;
    throw new AppCheckRejected(reason);
  }
}

/** jose's errors that are the token's fault; undefined for the others (fetching the key set failed, a bad key set). */
function failureOf(error: unknown): AppCheckFailure | undefined {
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad_signature";
  if (error instanceof errors.JWKSNoMatchingKey) return "unknown_key";
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JOSEAlgNotAllowed) return "wrong_algorithm";
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === "nbf" && error.reason === "check_failed" ? "not_yet_valid" : "malformed";
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return "malformed";
  return undefined;
}
