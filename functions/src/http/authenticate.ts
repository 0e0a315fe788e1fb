import type { EndedSignIn, VerifiedCaller } from "../domain/model.js";
import type { IdTokenVerifier } from "../domain/ports.js";
import { AppError } from "../errors.js";

const unauthenticated = (message: string): AppError =>
  new AppError("unauthenticated", message, { headers: { "WWW-Authenticate": "Bearer" } });

/**
 * `Authorization: Bearer <Firebase ID token>` (FlutterFlow's `currentJwtToken`) -> the caller.
 * Every signed-in endpoint checks revocation: tokens issued before `revokeRefreshTokens`
 * (logout everywhere, password change, reuse, role change, disabling) and tokens of disabled
 * users are refused, at the cost of one Auth lookup per call. An ID token otherwise stays valid
 * for up to an hour after its session was ended. `accept` names the endings a route lets through
 * (the retry of a password change or a deletion whose answer was lost; the route then checks the
 * password again).
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
  return verifier.verify(match[1], accept);
}
