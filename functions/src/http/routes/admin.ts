// Administration of other users (routes.ts declares them `admin`; the use cases check the
// caller's server record as well).
import { setDisabled, setRole } from "../../domain/admin.js";
import type { Deps } from "../../domain/deps.js";
import { userJson } from "../auth-body.js";
import type { RequestOf } from "../route.js";
import type { DisableBody, RoleBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

/** POST /admin/users/{uid}/role {"role_id"} -> {"user": {...}}. */
export async function setRoleRoute({ body, caller, params }: RequestOf<typeof RoleBody, "admin">, deps: Deps): Promise<JsonReply> {
  const user = await setRole(caller, params.uid ?? "", body.role_id, deps);
  return { status: 200, body: { user: userJson(user) } };
}

/** POST /admin/users/{uid}/disable {"disabled"} -> {"disabled": bool}. */
export async function setDisabledRoute({ body, caller, params }: RequestOf<typeof DisableBody, "admin">, deps: Deps): Promise<JsonReply> {
  return { status: 200, body: await setDisabled(caller, params.uid ?? "", body.disabled, deps) };
}
