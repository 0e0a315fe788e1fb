import type { AuthResult, PublicUser } from "../domain/auth-result.js";

/** FlutterFlow's `user` object (`$.user.id`, `$.user.role_id`, ...). */
export function userJson(user: PublicUser) {
  return { id: user.id, role_id: user.roleId, name: user.name, email: user.email, email_verified: user.emailVerified } as const;
}

/**
 * The body FlutterFlow's "JWT Token" guide documents. The app feeds `$.jwt_token` to the
 * Firebase "Log in" action (Auth Provider: JWT token).
 */
export function authBody(result: AuthResult) {
  return {
    user: userJson(result.user),
    token_type: "Bearer",
    expires_in: result.expiresIn,
    jwt_token: result.jwtToken,
    refresh_token: result.refreshToken,
  } as const;
}
