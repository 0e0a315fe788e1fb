import { login } from "../../domain/login.js";
import { getServices } from "../../services.js";
import { authBody } from "../auth-body.js";
import type { RouteRequest } from "../handler.js";
import { LoginBody, parseBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

/** POST /login {"email", "password"} -> 200 with the FlutterFlow login body. */
export async function loginRoute(req: RouteRequest): Promise<JsonReply> {
  const input = parseBody(LoginBody, req.body);
  const { login: deps } = await getServices();
  return { status: 200, body: authBody(await login({ ...input, clientNetwork: req.clientNetwork }, deps)) };
}
