import { createHash } from "node:crypto";
import type { AppCheck } from "firebase-admin/app-check";
import type { Firestore } from "firebase-admin/firestore";
import { withDeadline } from "../deadlines.js";
import { type AppCheckClaims, AppCheckMisconfigured, AppCheckRejected } from "../domain/model.js";
import type { AppCheckTokens } from "../domain/ports.js";
import { errorCode } from "../errors.js";
import type { AppCheckVerifier } from "./app-check-verifier.js";
import { COLLECTIONS } from "./collections.js";
import { ALREADY_EXISTS, grpcCode } from "./store-errors.js";

/** firebase-admin's App Check error codes that mean this backend is not allowed, not that Google is down. */
const MISCONFIGURED = new Set([
  "app-check/permission-denied",
  "app-check/unauthenticated",
  "app-check/invalid-credential",
  "app-check/not-found",
]);

/**
 * App Check tokens in production: checked by `verifier` against Google's key set, and a
 * limited-use token consumed by Google's App Check API (firebase-admin's `verifyToken(token,
 * {consume: true})`, which answers `alreadyConsumed` for a replay). That call needs the runtime
 * service account to hold "Firebase App Check Token Verifier" (roles/firebaseappcheck.tokenVerifier;
 * docs/security.md, "App Check"). It cannot run offline: the local stack and the tests use
 * `ledgerAppCheckTokens` instead.
 */
export function googleAppCheckTokens(verifier: AppCheckVerifier, appCheck: () => Pick<AppCheck, "verifyToken">): AppCheckTokens {
  return {
    verify: (token) => withDeadline(() => verifier.verify(token)),
    consume: async (token) => {
      try {
        const result = await withDeadline(() => appCheck().verifyToken(token, { consume: true }));
        return result.alreadyConsumed !== true;
      } catch (error) {
        const code = errorCode(error);
        // firebase-admin checks the token again before consuming it: a refusal there is the
        // token's fault (expired meanwhile, or a key its cache does not have yet), a 401.
        if (code === "app-check/app-check-token-expired") throw new AppCheckRejected("expired");
        if (code === "app-check/invalid-argument") throw new AppCheckRejected("bad_signature");
        if (typeof code === "string" && MISCONFIGURED.has(code)) {
          throw new AppCheckMisconfigured(
            `${code} (does the runtime service account hold roles/firebaseappcheck.tokenVerifier? docs/security.md, "App Check")`,
            error,
          );
        }
        throw error; // out of reach or failing: an outage (503 under enforce)
      }
    },
  };
}

/**
 * App Check tokens with a local key set (APP_CHECK_LOCAL_JWKS: the emulator stack and the
 * tests, never a deployed function): a limited-use token is consumed by creating
 * `auth_throttle/{sha256("app_check", jti)}` = `{dimension: "app_check_used", expires_at}` - a
 * create() lands once, whatever the instances racing it, and the document goes with the token's
 * expiry (the throttle collection's TTL policy and sweep).
 */
export function ledgerAppCheckTokens(verifier: AppCheckVerifier, db: Firestore): AppCheckTokens {
  return {
    verify: (token) => verifier.verify(token),
    consume: async (token, claims: AppCheckClaims) => {
      const id = createHash("sha256")
        .update(`app_check\u0000${claims.tokenId ?? token}`) // the gate consumes only tokens with an id
        .digest("hex");
      try {
        await withDeadline(() =>
          db.collection(COLLECTIONS.throttle).doc(id).create({ dimension: "app_check_used", expires_at: claims.expiresAt }),
        );
        return true;
      } catch (error) {
        if (grpcCode(error) === ALREADY_EXISTS) return false;
        throw error;
      }
    },
  };
}
