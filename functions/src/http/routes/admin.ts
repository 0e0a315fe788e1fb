import { setDisabled, setRole } from "../../domain/admin.js";
import { getServices } from "../../services.js";
import { userJson } from "../auth-body.js";
import { authenticate } from "../authenticate.js";
import type { RouteRequest } from "../handler.js";
import { DisableBody, parseBody, RoleBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

const targetUid = (req: RouteRequest): string => req.params.uid ?? "";

/** POST /admin/users/{uid}/role {"role_id"} -> {"user": {...}} (admin only). */
export async function setRoleRoute(req: RouteRequest): Promise<JsonReply> {
  const input = parseBody(RoleBody, req.body);
  const { admin, idTokens } = await getServices();
  const caller = await authenticate(req.authorization, idTokens);
  const user = await setRole(caller, targetUid(req), input.role_id, admin);
  return { status: 200, body: { user: userJson(user) } };
}

/** POST /admin/users/{uid}/disable {"disabled"} -> {"disabled": bool} (admin only). */
export async function setDisabledRoute(req: RouteRequest): Promise<JsonReply> {
  const input = parseBody(DisableBody, req.body);
  const { admin, idTokens } = await getServices();
  const caller = await authenticate(req.authorization, idTokens);
  return { status: 200, body: await setDisabled(caller, targetUid(req), input.disabled, admin) };
}
