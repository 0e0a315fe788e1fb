// Sign in by a code sent by mail, no password (domain/login-code.ts).
import { LIMITS } from "../../config.js";
import type { Deps } from "../../domain/deps.js";
import { confirmLoginCode, requestLoginCode } from "../../domain/login-code.js";
import { signInBody } from "../answers.js";
import { deviceOf } from "../device-label.js";
import { withFloor } from "../floor.js";
import type { RequestOf } from "../route.js";
import type { LoginCodeConfirmBody, LoginCodeRequestBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

/**
 * POST /login/code/request {"email"} -> 202 {"sent": true}, whether or not a code was mailed
 * (the address has no account, or it is disabled): the same body, and - as the reset request -
 * never faster than LIMITS.resetRequestFloorMs, a 429 or a 503 included.
 */
export async function loginCodeRequestRoute(
  { body, clientNetwork, language }: RequestOf<typeof LoginCodeRequestBody, "none">,
  deps: Deps,
): Promise<JsonReply> {
  await withFloor(LIMITS.resetRequestFloorMs, () => requestLoginCode({ email: body.email, clientNetwork, language }, deps));
  return { status: 202, body: { sent: true } };
}

/** POST /login/code/confirm {"email", "code", "name"?, "device_name"?} -> 200 with the login body, or `mfa_required` (a second factor). */
export async function loginCodeConfirmRoute(
  { body, clientNetwork, language, userAgent }: RequestOf<typeof LoginCodeConfirmBody, "none">,
  deps: Deps,
): Promise<JsonReply> {
  const result = await confirmLoginCode(
    { email: body.email, code: body.code, name: body.name, clientNetwork, language, device: deviceOf(body.device_name, userAgent) },
    deps,
  );
  return { status: 200, body: signInBody(result) };
}
