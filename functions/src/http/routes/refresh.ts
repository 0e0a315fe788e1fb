import { refresh } from "../../domain/refresh.js";
import { getServices } from "../../services.js";
import { authBody } from "../auth-body.js";
import { parseBody, RefreshBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

/** POST /refresh {"refresh_token"} -> 200 with the login body (a new jwt_token and refresh_token). */
export async function refreshRoute(body: Record<string, unknown>): Promise<JsonReply> {
  const input = parseBody(RefreshBody, body);
  const { refresh: deps } = await getServices();
  return { status: 200, body: authBody(await refresh({ refreshToken: input.refresh_token }, deps)) };
}
