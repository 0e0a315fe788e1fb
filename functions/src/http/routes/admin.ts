import { z } from "zod";
import { setDisabled, setRole } from "../../domain/admin.js";
import { getServices } from "../../services.js";
import { authenticate } from "../authenticate.js";
import type { RouteRequest } from "../handler.js";
import { parseBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

const RoleBody = z.strictObject({
  role_id: z
    .number({ error: 'The field "role_id" must be a whole number.' })
    .int('The field "role_id" must be a whole number.')
    .min(0)
    .max(1_000_000),
});

const DisableBody = z.strictObject({
  disabled: z.boolean({ error: 'The field "disabled" must be true or false (a JSON boolean).' }),
});

const targetUid = (req: RouteRequest): string => req.params["uid"] ?? "";

/** POST /admin/users/{uid}/role {"role_id"} -> {"user": {...}} (admin only). */
export async function setRoleRoute(req: RouteRequest): Promise<JsonReply> {
  const input = parseBody(RoleBody, req.body);
  const { admin, idTokens } = await getServices();
  const caller = await authenticate(req.authorization, idTokens, true);
  const user = await setRole(caller, targetUid(req), input.role_id, admin);
  return { status: 200, body: { user: { id: user.id, role_id: user.roleId, name: user.name, email: user.email } } };
}

/** POST /admin/users/{uid}/disable {"disabled"} -> {"disabled": bool} (admin only). */
export async function setDisabledRoute(req: RouteRequest): Promise<JsonReply> {
  const input = parseBody(DisableBody, req.body);
  const { admin, idTokens } = await getServices();
  const caller = await authenticate(req.authorization, idTokens, true);
  return { status: 200, body: await setDisabled(caller, targetUid(req), input.disabled, admin) };
}
