// The signed-in user's own account. Every route here needs `Authorization: Bearer <Firebase ID
// token>`, checked for revocation (routes.ts declares them `token`).
import { changePassword, deleteAccount, getMe, updateMe } from "../../domain/account.js";
import type { PublicUser } from "../../domain/auth-result.js";
import type { Deps } from "../../domain/deps.js";
import { authBody, userJson } from "../answers.js";
import { userAgentLabel } from "../device-label.js";
import type { RequestOf } from "../route.js";
import type { ChangePasswordBody, DeleteAccountBody, NoBody, UpdateMeBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

const userBody = (user: PublicUser) => ({ user: userJson(user) });

/** GET /me -> {"user": {...}} */
export async function getMeRoute({ caller }: RequestOf<typeof NoBody, "token">, deps: Deps): Promise<JsonReply> {
  return { status: 200, body: userBody(await getMe(caller.uid, deps)) };
}

/** PATCH /me (or POST /me) {"name"?, "photo_url"?} -> {"user": {...}} */
export async function updateMeRoute({ body, caller }: RequestOf<typeof UpdateMeBody, "token">, deps: Deps): Promise<JsonReply> {
  const user = await updateMe(caller.uid, { name: body.name, photoUrl: body.photo_url }, deps);
  return { status: 200, body: userBody(user) };
}

/**
 * POST /password/change {"current_password", "new_password", "code"? | "recovery_code"?} -> the
 * login body (fresh session). The code: accounts with a second factor.
 * A retry after a lost answer comes with the token the change revoked (domain/account.ts).
 */
export async function changePasswordRoute(
  { body, caller, clientNetwork, language, userAgent }: RequestOf<typeof ChangePasswordBody, "token">,
  deps: Deps,
): Promise<JsonReply> {
  const result = await changePassword(
    caller.uid,
    {
      currentPassword: body.current_password,
      newPassword: body.new_password,
      clientNetwork,
      language,
      device: userAgentLabel(userAgent),
      proof: { code: body.code, recoveryCode: body.recovery_code },
      sessionEnded: caller.ended === "revoked" || caller.ended === "session_ended",
    },
    deps,
  );
  return { status: 200, body: authBody(result) };
}

/**
 * POST /account/delete or DELETE /me {"password"} -> {"deleted": true}. A retry after a partial
 * deletion still passes: deletion revokes nothing before its last step, the Auth user's
 * deletion; a retry after that step (its answer lost) finds the user deleted and is told the
 * deletion is done.
 */
export async function deleteAccountRoute(
  { body, caller, clientNetwork, language }: RequestOf<typeof DeleteAccountBody, "token">,
  deps: Deps,
): Promise<JsonReply> {
  const proof = { code: body.code, recoveryCode: body.recovery_code };
  await deleteAccount(caller.uid, { password: body.password, clientNetwork, language, proof }, deps);
  return { status: 200, body: { deleted: true } };
}
