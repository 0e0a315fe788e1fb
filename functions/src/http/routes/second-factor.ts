// The second factor (domain/second-factor.ts): enrolment, the second step of a sign-in, turning
// it off, new recovery codes, and its removal by an administrator.
import { removeUserFactor } from "../../domain/admin.js";
import type { Deps } from "../../domain/deps.js";
import { activateTotp, disableTotp, enrollTotp, renewRecoveryCodes, verifyMfa } from "../../domain/second-factor.js";
import { authBody } from "../answers.js";
import { deviceOf } from "../device-label.js";
import type { RequestOf } from "../route.js";
import type { FactorProofBody, MfaActivateBody, MfaDisableBody, MfaEnrollBody, MfaVerifyBody, NoBody, UidParams } from "../schemas.js";
import type { JsonReply } from "../types.js";

/** POST /mfa/totp/enroll {"password"} -> {"secret", "otpauth_url"} (not active until activated). */
export async function enrollRoute(
  { body, caller, clientNetwork }: RequestOf<typeof MfaEnrollBody, "token">,
  deps: Deps,
): Promise<JsonReply> {
  const { secret, otpauthUrl } = await enrollTotp(caller.uid, { password: body.password, clientNetwork }, deps);
  return { status: 200, body: { secret, otpauth_url: otpauthUrl } };
}

/** POST /mfa/totp/activate {"code"} -> {"recovery_codes": [...]} (shown once). */
export async function activateRoute(
  { body, caller, clientNetwork, language }: RequestOf<typeof MfaActivateBody, "token">,
  deps: Deps,
): Promise<JsonReply> {
  const { recoveryCodes } = await activateTotp(caller.uid, { code: body.code, clientNetwork, language }, deps);
  return { status: 200, body: { recovery_codes: recoveryCodes } };
}

/** POST /mfa/verify {"mfa_token", "code" | "recovery_code"} -> the login body and `recovery_codes_left`. */
export async function verifyRoute(
  { body, clientNetwork, language, userAgent }: RequestOf<typeof MfaVerifyBody, "none">,
  deps: Deps,
): Promise<JsonReply> {
  const device = deviceOf(body.device_name, userAgent);
  const result = await verifyMfa(
    { mfaToken: body.mfa_token, code: body.code, recoveryCode: body.recovery_code, clientNetwork, language, device },
    deps,
  );
  return { status: 200, body: { ...authBody(result), recovery_codes_left: result.recoveryCodesLeft } };
}

/** POST /mfa/totp/disable {"password", "code" | "recovery_code"} -> {"mfa_enabled": false}. */
export async function disableRoute(
  { body, caller, clientNetwork, language }: RequestOf<typeof MfaDisableBody, "token">,
  deps: Deps,
): Promise<JsonReply> {
  await disableTotp(
    caller.uid,
    { password: body.password, code: body.code, recoveryCode: body.recovery_code, clientNetwork, language },
    deps,
  );
  return { status: 200, body: { mfa_enabled: false } };
}

/** POST /mfa/recovery-codes {"code" | "recovery_code"} -> {"recovery_codes": [...]} (the old ones die). */
export async function recoveryCodesRoute(
  { body, caller, clientNetwork, language }: RequestOf<typeof FactorProofBody, "token">,
  deps: Deps,
): Promise<JsonReply> {
  const { recoveryCodes } = await renewRecoveryCodes(
    caller.uid,
    { code: body.code, recoveryCode: body.recovery_code, clientNetwork, language },
    deps,
  );
  return { status: 200, body: { recovery_codes: recoveryCodes } };
}

/** POST /admin/users/{uid}/mfa/disable {} -> {"mfa_enabled": false} (administrators). */
export async function adminRemoveFactorRoute(
  { caller, params, language }: RequestOf<typeof NoBody, "admin", { params: typeof UidParams }>,
  deps: Deps,
): Promise<JsonReply> {
  await removeUserFactor(caller, params.uid, language, deps);
  return { status: 200, body: { mfa_enabled: false } };
}
