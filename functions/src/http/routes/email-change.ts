// Email change: a code to the new address, then the code (domain/email-change.ts).
import { LIMITS } from "../../config.js";
import { methodsIn } from "../../domain/auth-result.js";
import type { Deps } from "../../domain/deps.js";
import { confirmEmailChange, requestEmailChange } from "../../domain/email-change.js";
import { authBody } from "../answers.js";
import { userAgentLabel } from "../device-label.js";
import { withFloor } from "../floor.js";
import type { RequestOf } from "../route.js";
import type { CodeBody, EmailChangeRequestBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

/**
 * POST /email/change/request {"new_email", "password"} -> 202 {"sent": true}, whether or not the
 * address is free (a taken one gets no code); no sooner than LIMITS.resetRequestFloorMs.
 */
export async function changeRequestRoute(
  { body, caller, clientNetwork, language }: RequestOf<typeof EmailChangeRequestBody, "token">,
  deps: Deps,
): Promise<JsonReply> {
  await withFloor(LIMITS.resetRequestFloorMs, () =>
    requestEmailChange(
      caller.uid,
      {
        newEmail: body.new_email,
        password: body.password,
        clientNetwork,
        language,
        proof: { code: body.code, recoveryCode: body.recovery_code },
      },
      deps,
    ),
  );
  return { status: 202, body: { sent: true } };
}

/** POST /email/change/confirm {"code"} -> 200 with the login body (the new email; signed in afresh). */
export async function changeConfirmRoute(
  { body, caller, clientNetwork, userAgent }: RequestOf<typeof CodeBody, "token">,
  deps: Deps,
): Promise<JsonReply> {
  const result = await confirmEmailChange(
    caller.uid,
    { code: body.code, clientNetwork, methods: methodsIn(caller.claims), device: userAgentLabel(userAgent) },
    deps,
  );
  return { status: 200, body: authBody(result) };
}
