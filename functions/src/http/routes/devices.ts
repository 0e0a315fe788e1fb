// Signed-in devices (domain/devices.ts): the caller's sessions and the end of one, or of all but
// the caller's; the administrator's view of a user's. The caller's own session is the `sid` claim
// of the ID token that asks.
import { endUserSession, listUserSessions } from "../../domain/admin.js";
import { SESSION_CLAIM } from "../../domain/auth-result.js";
import type { Deps } from "../../domain/deps.js";
import { endOtherSessions, endSession, listSessions } from "../../domain/devices.js";
import type { VerifiedCaller } from "../../domain/model.js";
import { sessionListJson } from "../answers.js";
import type { RequestOf } from "../route.js";
import type { NoBody, SessionParams, UidParams, UserSessionParams } from "../schemas.js";
import type { JsonReply } from "../types.js";

const sidOf = (caller: VerifiedCaller): string | undefined => {
  const sid = caller.claims[SESSION_CLAIM];
  return typeof sid === "string" ? sid : undefined;
};

/** GET /sessions -> {"sessions": [{id, device, created_at, last_used_at, current}]}, newest first. */
export async function listSessionsRoute({ caller }: RequestOf<typeof NoBody, "token">, deps: Deps): Promise<JsonReply> {
  return { status: 200, body: sessionListJson(await listSessions(caller.uid, sidOf(caller), deps)) };
}

/** DELETE /sessions/{id} or POST /sessions/{id}/revoke -> {"ended": true}; 404 for an id that is not a live session of the caller's. */
export async function endSessionRoute(
  { caller, params }: RequestOf<typeof NoBody, "token", { params: typeof SessionParams }>,
  deps: Deps,
): Promise<JsonReply> {
  await endSession(caller.uid, params.id, deps);
  return { status: 200, body: { ended: true } };
}

/** POST /sessions/revoke-others -> {"ended_count": n}: every session but the caller's. */
export async function endOthersRoute({ caller }: RequestOf<typeof NoBody, "token">, deps: Deps): Promise<JsonReply> {
  return { status: 200, body: { ended_count: await endOtherSessions(caller.uid, sidOf(caller), deps) } };
}

/** GET /admin/users/{uid}/sessions -> the user's sessions (`current` is false: none is the administrator's). */
export async function adminListSessionsRoute(
  { caller, params }: RequestOf<typeof NoBody, "admin", { params: typeof UidParams }>,
  deps: Deps,
): Promise<JsonReply> {
  return { status: 200, body: sessionListJson(await listUserSessions(caller, params.uid, deps)) };
}

/** DELETE /admin/users/{uid}/sessions/{id} (or POST .../revoke) -> {"ended": true}. */
export async function adminEndSessionRoute(
  { caller, params }: RequestOf<typeof NoBody, "admin", { params: typeof UserSessionParams }>,
  deps: Deps,
): Promise<JsonReply> {
  await endUserSession(caller, params.uid, params.id, deps);
  return { status: 200, body: { ended: true } };
}
