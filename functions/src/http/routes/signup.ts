import { signup } from "../../domain/signup.js";
import { getServices } from "../../services.js";
import { authBody } from "../auth-body.js";
import type { RouteRequest } from "../handler.js";
import { parseBody, SignupBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

/** POST /signup {"email", "password", "name"?} -> 201 with the FlutterFlow login body. */
export async function signupRoute(req: RouteRequest): Promise<JsonReply> {
  const input = parseBody(SignupBody, req.body);
  const { signup: deps } = await getServices();
  return { status: 201, body: authBody(await signup({ ...input, clientNetwork: req.clientNetwork }, deps)) };
}
