// Forgot password: a code by mail, then the code and a new password (domain/password-reset.ts).
import { LIMITS } from "../../config.js";
import type { Deps } from "../../domain/deps.js";
import { confirmPasswordReset, requestPasswordReset } from "../../domain/password-reset.js";
import { signInBody } from "../answers.js";
import { userAgentLabel } from "../device-label.js";
import { withFloor } from "../floor.js";
import type { RequestOf } from "../route.js";
import type { ResetConfirmBody, ResetRequestBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

/**
 * POST /password/reset/request {"email"} -> 202 {"sent": true}, whether or not the email has an
 * account. Every answer takes at least LIMITS.resetRequestFloorMs, so that mailing a code (one
 * more write, or an SMTP exchange) does not show in the timing; a 429 and a 503 are answered
 * after the same floor.
 */
export async function resetRequestRoute(
  { body, clientNetwork, language }: RequestOf<typeof ResetRequestBody, "none">,
  deps: Deps,
): Promise<JsonReply> {
  await withFloor(LIMITS.resetRequestFloorMs, () => requestPasswordReset({ email: body.email, clientNetwork, language }, deps));
  return { status: 202, body: { sent: true } };
}

/** POST /password/reset/confirm {"email", "code", "new_password"} -> 200 with the login body (signed in), or `mfa_required` (a second factor). */
export async function resetConfirmRoute(
  { body, clientNetwork, language, userAgent }: RequestOf<typeof ResetConfirmBody, "none">,
  deps: Deps,
): Promise<JsonReply> {
  const device = userAgentLabel(userAgent);
  const result = await confirmPasswordReset(
    { email: body.email, code: body.code, newPassword: body.new_password, clientNetwork, language, device },
    deps,
  );
  return { status: 200, body: signInBody(result) };
}
