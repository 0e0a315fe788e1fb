import type { AuthResult } from "../domain/auth-result.js";

/**
 * The body FlutterFlow's "JWT Token" guide documents. The app feeds `$.jwt_token` to the
 * Firebase "Log in" action (Auth Provider: JWT token).
 */
export function authBody(result: AuthResult) {
  return {
    user: {
      id: result.user.id,
      role_id: result.user.roleId,
      name: result.user.name,
      email: result.user.email,
    },
    token_type: "Bearer",
    expires_in: result.expiresIn,
    jwt_token: result.jwtToken,
    refresh_token: result.refreshToken,
  } as const;
}
