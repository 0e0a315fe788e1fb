// Verified email: a code to the signed-in user's address, then the code (domain/email-verification.ts).
import type { Deps } from "../../domain/deps.js";
import { confirmEmailVerification, requestEmailVerification } from "../../domain/email-verification.js";
import { userJson } from "../answers.js";
import type { RequestOf } from "../route.js";
import type { CodeBody, NoBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

/** POST /email/verify/request {} -> 202 {"sent": true}; 200 {"sent": false, "already_verified": true} when there is nothing to verify. */
export async function verifyRequestRoute(
  { caller, clientNetwork, language }: RequestOf<typeof NoBody, "token">,
  deps: Deps,
): Promise<JsonReply> {
  const { alreadyVerified } = await requestEmailVerification(caller.uid, { clientNetwork, language }, deps);
  return alreadyVerified ? { status: 200, body: { sent: false, already_verified: true } } : { status: 202, body: { sent: true } };
}

/** POST /email/verify/confirm {"code"} -> 200 {"user": {...}} with `email_verified: true`. */
export async function verifyConfirmRoute(
  { body, caller, clientNetwork }: RequestOf<typeof CodeBody, "token">,
  deps: Deps,
): Promise<JsonReply> {
  const user = await confirmEmailVerification(caller.uid, { code: body.code, clientNetwork }, deps);
  return { status: 200, body: { user: userJson(user) } };
}
