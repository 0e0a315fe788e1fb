import { AppError } from "../errors.js";
import type { IdTokenVerifier } from "../domain/ports.js";

const unauthenticated = (message: string): AppError =>
  new AppError("unauthenticated", message, { headers: { "WWW-Authenticate": "Bearer" } });

/**
 * `Authorization: Bearer <Firebase ID token>` (FlutterFlow's `currentJwtToken`) -> the caller.
 * `checkRevoked` also refuses tokens issued before `revokeRefreshTokens` and disabled users, at
 * the cost of one Auth lookup: used for password change, deletion and admin actions.
 */
export async function authenticate(
  authorization: string | undefined,
  verifier: IdTokenVerifier,
  checkRevoked: boolean,
): Promise<{ readonly uid: string; readonly claims: Readonly<Record<string, unknown>> }> {
  if (authorization === undefined || authorization === "") {
    throw unauthenticated('Send the Firebase ID token as "Authorization: Bearer <token>" (FlutterFlow: currentJwtToken).');
  }
  const match = /^Bearer +([A-Za-z0-9_.-]{1,8192})$/i.exec(authorization.trim());
  if (match?.[1] === undefined) throw unauthenticated("The Authorization header must be \"Bearer <token>\".");
  return verifier.verify(match[1], checkRevoked);
}
