// Administration of other users (routes.ts declares them `admin`; the use cases check the
// caller's server record as well).
import { listUsers, setDisabled, setRole } from "../../domain/admin.js";
import type { Deps } from "../../domain/deps.js";
import { userJson, userPageJson } from "../answers.js";
import type { RequestOf } from "../route.js";
import type { DisableBody, ListUsersQuery, NoBody, RoleBody, UidParams } from "../schemas.js";
import type { JsonReply } from "../types.js";

type OfUser<Body extends typeof RoleBody | typeof DisableBody> = RequestOf<Body, "admin", { params: typeof UidParams }>;

/** GET /admin/users?limit&cursor&email_prefix -> {"users": [...], "next_cursor"}. */
export async function listUsersRoute(
  { caller, query }: RequestOf<typeof NoBody, "admin", { query: typeof ListUsersQuery }>,
  deps: Deps,
): Promise<JsonReply> {
  const page = await listUsers(caller, { limit: query.limit, cursor: query.cursor, emailPrefix: query.email_prefix }, deps);
  return { status: 200, body: userPageJson(page) };
}

/** POST /admin/users/{uid}/role {"role_id"} -> {"user": {...}}. */
export async function setRoleRoute({ body, caller, params }: OfUser<typeof RoleBody>, deps: Deps): Promise<JsonReply> {
  const user = await setRole(caller, params.uid, body.role_id, deps);
  return { status: 200, body: { user: userJson(user) } };
}

/** POST /admin/users/{uid}/disable {"disabled"} -> {"disabled": bool}. */
export async function setDisabledRoute({ body, caller, params }: OfUser<typeof DisableBody>, deps: Deps): Promise<JsonReply> {
  return { status: 200, body: await setDisabled(caller, params.uid, body.disabled, deps) };
}
