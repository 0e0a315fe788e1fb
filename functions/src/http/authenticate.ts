import { ROLE_CLAIM } from "../domain/auth-result.js";
import { type EndedSignIn, RejectedIdToken, type VerifiedCaller } from "../domain/model.js";
import type { IdTokenVerifier } from "../domain/ports.js";
import { AppError } from "../errors.js";

// The one place where a request is refused for who sent it: every 401 `unauthenticated` and the
// admin claim's 403 are made here.

const unauthenticated = (message: string, challenge = "Bearer", cause?: unknown): AppError =>
  new AppError("unauthenticated", message, { headers: { "WWW-Authenticate": challenge }, ...(cause !== undefined && { cause }) });

/**
 * `Authorization: Bearer <Firebase ID token>` (FlutterFlow's `currentJwtToken`) -> the caller.
 * Every signed-in endpoint checks revocation: tokens issued before `revokeRefreshTokens`
 * (logout everywhere, password change, reuse, role change, disabling) and tokens of disabled
 * users are refused, at the cost of one Auth lookup per call; so are tokens whose backend session
 * (their `sid` claim) ended - a logout, a device ended from the list - or whose role changed
 * (IdTokenVerifier, live-session.ts). `accept` names the endings a route lets through
 * (the retry of a password change or a deletion whose answer was lost; the route then checks the
 * password again). Auth out of reach is not a 401: it passes on, a 503 at the edge.
 */
export async function authenticate(
  authorization: string | undefined,
  verifier: IdTokenVerifier,
  accept: readonly EndedSignIn[] = [],
): Promise<VerifiedCaller> {
  if (authorization === undefined || authorization === "") {
    throw unauthenticated('Send the Firebase ID token as "Authorization: Bearer <token>" (FlutterFlow: currentJwtToken).');
  }
  const match = /^Bearer +([A-Za-z0-9_.-]{1,8192})$/i.exec(authorization.trim());
  if (match?.[1] === undefined) throw unauthenticated('The Authorization header must be "Bearer <token>".');
  try {
    return await verifier.verify(match[1], accept);
  } catch (error) {
    if (!(error instanceof RejectedIdToken)) throw error;
    throw unauthenticated("Sign in again: the sign-in token is missing, invalid or expired.", 'Bearer error="invalid_token"', error.cause);
  }
}

/** The `admin` routes: the token's `role_id` claim must be the admin role (403 otherwise). */
export function requireAdminClaim(caller: VerifiedCaller, adminRoleId: number): void {
  if (caller.claims[ROLE_CLAIM] !== adminRoleId) throw new AppError("forbidden", "This action needs an administrator.");
}
