import { logout } from "../../domain/logout.js";
import { getServices } from "../../services.js";
import { LogoutBody, parseBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

/** POST /logout {"refresh_token", "all_devices"?} -> 200 {"logged_out": true}, whatever the token. */
export async function logoutRoute(body: Record<string, unknown>): Promise<JsonReply> {
  const input = parseBody(LogoutBody, body);
  const { logout: deps } = await getServices();
  await logout({ refreshToken: input.refresh_token, allDevices: input.all_devices ?? false }, deps);
  return { status: 200, body: { logged_out: true } };
}
