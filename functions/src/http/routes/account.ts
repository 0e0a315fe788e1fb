import { changePassword, deleteAccount, getMe, updateMe } from "../../domain/account.js";
import type { PublicUser } from "../../domain/auth-result.js";
import { getServices } from "../../services.js";
import { authBody, userJson } from "../auth-body.js";
import { authenticate } from "../authenticate.js";
import type { RouteRequest } from "../handler.js";
import { ChangePasswordBody, DeleteAccountBody, parseBody, UpdateMeBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

// The signed-in user's own account. Every route here needs `Authorization: Bearer <Firebase ID
// token>`, checked for revocation (authenticate.ts).
const userBody = (user: PublicUser) => ({ user: userJson(user) });

/** GET /me -> {"user": {...}} */
export async function getMeRoute(req: RouteRequest): Promise<JsonReply> {
  const { account, idTokens } = await getServices();
  const caller = await authenticate(req.authorization, idTokens);
  return { status: 200, body: userBody(await getMe(caller.uid, account)) };
}

/** PATCH /me (or POST /me) {"name"?, "photo_url"?} -> {"user": {...}} */
export async function updateMeRoute(req: RouteRequest): Promise<JsonReply> {
  const input = parseBody(UpdateMeBody, req.body);
  const { account, idTokens } = await getServices();
  const caller = await authenticate(req.authorization, idTokens);
  const user = await updateMe(caller.uid, { name: input.name, photoUrl: input.photo_url }, account);
  return { status: 200, body: userBody(user) };
}

/** POST /password/change {"current_password", "new_password"} -> the login body (fresh session). */
export async function changePasswordRoute(req: RouteRequest): Promise<JsonReply> {
  const input = parseBody(ChangePasswordBody, req.body);
  const { account, idTokens } = await getServices();
  // A retry after a lost answer comes with the token the change revoked (account.ts, changePassword).
  const caller = await authenticate(req.authorization, idTokens, ["revoked"]);
  const result = await changePassword(
    caller.uid,
    {
      currentPassword: input.current_password,
      newPassword: input.new_password,
      clientNetwork: req.clientNetwork,
      sessionEnded: caller.ended === "revoked",
    },
    account,
  );
  return { status: 200, body: authBody(result) };
}

/** POST /account/delete or DELETE /me {"password"} -> {"deleted": true} */
export async function deleteAccountRoute(req: RouteRequest): Promise<JsonReply> {
  const input = parseBody(DeleteAccountBody, req.body);
  const { account, idTokens } = await getServices();
  // A retry after a partial deletion still passes: deletion revokes nothing before its last step,
  // the Auth user's deletion; a retry after that step (its answer lost) finds the user deleted
  // and is told the deletion is done.
  const caller = await authenticate(req.authorization, idTokens, ["user_deleted"]);
  await deleteAccount(caller.uid, { password: input.password, clientNetwork: req.clientNetwork }, account);
  return { status: 200, body: { deleted: true } };
}
