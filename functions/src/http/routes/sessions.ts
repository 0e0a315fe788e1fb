// Signing in and out: signup, login, refresh, logout. None needs a signed-in caller.
import type { Deps } from "../../domain/deps.js";
import { login } from "../../domain/login.js";
import { logout } from "../../domain/logout.js";
import { refresh } from "../../domain/refresh.js";
import { signup } from "../../domain/signup.js";
import { authBody, signInBody } from "../answers.js";
import { deviceOf } from "../device-label.js";
import type { RequestOf } from "../route.js";
import type { LoginBody, LogoutBody, RefreshBody, SignupBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

/** POST /signup {"email", "password", "name"?} -> 201 with the FlutterFlow login body (403 `email_not_verified` with REQUIRE_VERIFIED_EMAIL). */
export async function signupRoute(
  { body, clientNetwork, language, userAgent }: RequestOf<typeof SignupBody, "none">,
  deps: Deps,
): Promise<JsonReply> {
  const device = deviceOf(body.device_name, userAgent);
  return { status: 201, body: authBody(await signup({ ...body, clientNetwork, language, device }, deps)) };
}

/** POST /login {"email", "password", "code"?} -> 200 with the FlutterFlow login body, or `mfa_required` (a second factor). */
export async function loginRoute(
  { body, clientNetwork, language, userAgent }: RequestOf<typeof LoginBody, "none">,
  deps: Deps,
): Promise<JsonReply> {
  const device = deviceOf(body.device_name, userAgent);
  return { status: 200, body: signInBody(await login({ ...body, clientNetwork, language, device }, deps)) };
}

/** POST /refresh {"refresh_token"} -> 200 with the login body (a new jwt_token and refresh_token). */
export async function refreshRoute({ body }: RequestOf<typeof RefreshBody, "none">, deps: Deps): Promise<JsonReply> {
  // A refresh renames the session's device only when the app names it (a User-Agent may change with an app update).
  const device = (body.device_name ?? "").trim() === "" ? undefined : deviceOf(body.device_name, undefined);
  return { status: 200, body: authBody(await refresh({ refreshToken: body.refresh_token, device }, deps)) };
}

/** POST /logout {"refresh_token", "all_devices"?} -> 200 {"logged_out": true}, whatever the token. */
export async function logoutRoute({ body }: RequestOf<typeof LogoutBody, "none">, deps: Deps): Promise<JsonReply> {
  await logout({ refreshToken: body.refresh_token, allDevices: body.all_devices ?? false }, deps);
  return { status: 200, body: { logged_out: true } };
}
