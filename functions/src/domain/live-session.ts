// Whether a verified Firebase ID token still belongs to a live session of this backend: the
// check behind every signed-in endpoint (adapters/firebase-id-token-verifier.ts), and the same
// rule as firestore.rules' `liveSession()`, which a FlutterFlow builder merges into their rules.
import { ROLE_CLAIM, SESSION_CLAIM } from "./auth-result.js";
import type { LiveSession } from "./model.js";

/**
 * True when the token's `sid` claim names a live session record (`session`, null once ended) of
 * the token's own user, carrying the same role as the token's `role_id` claim, and not past its
 * absolute end. A token without `sid` (a sign-in this backend did not make, or one from before
 * session records) is not live. A role change rewrites the record's role: Firebase sessions made
 * from tokens of the old role are no longer live (the app's next /refresh brings the new one).
 */
export function sessionHolds(
  claims: { readonly uid: string } & Readonly<Record<string, unknown>>,
  session: LiveSession | null,
  now: Date,
): boolean {
  return (
    session !== null &&
    claims[SESSION_CLAIM] === session.sessionId &&
    session.uid === claims.uid &&
    claims[ROLE_CLAIM] === session.roleId &&
    session.expiresAt > now
  );
}
