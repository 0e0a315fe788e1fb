// Whether a verified Firebase ID token still belongs to a live session of this backend: the
// check behind every signed-in endpoint (adapters/firebase-id-token-verifier.ts), and the same
// rule as firestore.rules' `liveSession()`, which a FlutterFlow builder merges into their rules.
import { ROLE_CLAIM, SESSION_CLAIM } from "./auth-result.js";
import type { LiveState } from "./model.js";

/**
 * True when the token's `sid` claim names a live session record (deleted when the session ends)
 * of the token's own user, started under the account's current session epoch (raised by a
 * password change or reset, an email change, disabling, deletion), not past its absolute end,
 * and the token's `role_id` claim is the account's current role. A token without `sid` (a
 * sign-in this backend did not make, or one from before session records) is not live. After a
 * role change, Firebase sessions made from tokens of the old role are not live (the app's next
 * /refresh brings the new one). Comparing the epoch, rather than finding and deleting records in
 * time, is what makes a login racing one of those acts harmless: its record carries the epoch it read.
 */
export function sessionHolds(
  claims: { readonly uid: string } & Readonly<Record<string, unknown>>,
  { session, current }: LiveState,
  now: Date,
): boolean {
  return (
    session !== null &&
    current !== null &&
    claims[SESSION_CLAIM] === session.sessionId &&
    session.uid === claims.uid &&
    session.sessionEpoch === current.sessionEpoch &&
    claims[ROLE_CLAIM] === current.roleId &&
    session.expiresAt > now
  );
}
