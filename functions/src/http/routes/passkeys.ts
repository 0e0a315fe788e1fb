// Passkeys (domain/passkeys.ts): registration and the list for the signed-in user, sign-in for
// anyone, and the association files an app's passkeys need.
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { z } from "zod";
import { methodsIn, SESSION_CLAIM } from "../../domain/auth-result.js";
import type { Deps } from "../../domain/deps.js";
import type { VerifiedCaller } from "../../domain/model.js";
import {
  appleAppSiteAssociation,
  assetLinks,
  isTransport,
  listPasskeys,
  type PasskeyCaller,
  passkeyLoginOptions,
  passkeyRegistrationOptions,
  registerPasskey,
  removePasskey,
  signInWithPasskey,
} from "../../domain/passkeys.js";
import { passkeyJson, signInBody } from "../answers.js";
import { deviceOf } from "../device-label.js";
import type { RequestOf } from "../route.js";
import type { NoBody, PasskeyLoginBody, PasskeyParams, PasskeyRegisterBody } from "../schemas.js";
import type { JsonReply } from "../types.js";

// The schemas checked the shape the library reads (the library checks every value); optional
// members the body leaves out are left out here too (no `undefined` members).
type Checked<Schema extends z.ZodType<{ credential: unknown }>> = z.infer<Schema>["credential"];

function registrationOf(credential: Checked<typeof PasskeyRegisterBody>): RegistrationResponseJSON {
  const { authenticatorAttachment, response, ...rest } = credential;
  const { transports, ...fields } = response;
  return {
    ...rest,
    response: { ...fields, ...(transports !== undefined && { transports: transports.filter(isTransport) }) },
    ...(authenticatorAttachment !== undefined && { authenticatorAttachment }),
  };
}

function assertionOf(credential: Checked<typeof PasskeyLoginBody>): AuthenticationResponseJSON {
  const { authenticatorAttachment, response, ...rest } = credential;
  const { userHandle, ...fields } = response;
  return {
    ...rest,
    response: { ...fields, ...(userHandle !== undefined && { userHandle }) },
    ...(authenticatorAttachment !== undefined && { authenticatorAttachment }),
  };
}

/** The caller as registration needs it: its session (`sid`) and how it signed in (`auth_methods`). */
function callerOf(caller: VerifiedCaller): PasskeyCaller {
  const sid = caller.claims[SESSION_CLAIM];
  return { uid: caller.uid, sessionId: typeof sid === "string" ? sid : undefined, methods: methodsIn(caller.claims) };
}

/** POST /passkeys/register/options {} -> {options, challenge_id}. */
export async function passkeyRegisterOptionsRoute({ caller }: RequestOf<typeof NoBody, "token">, deps: Deps): Promise<JsonReply> {
  const { options, challengeId } = await passkeyRegistrationOptions(callerOf(caller), deps);
  return { status: 200, body: { options, challenge_id: challengeId } };
}

/** POST /passkeys/register/verify {credential, name?, challenge_id} -> 201 {passkey}. */
export async function passkeyRegisterVerifyRoute(
  { caller, body, language }: RequestOf<typeof PasskeyRegisterBody, "token">,
  deps: Deps,
): Promise<JsonReply> {
  const passkey = await registerPasskey(
    callerOf(caller),
    { credential: registrationOf(body.credential), challengeId: body.challenge_id, name: body.name, language },
    deps,
  );
  return { status: 201, body: { passkey: passkeyJson(passkey) } };
}

/** POST /passkeys/login/options {} -> {options, challenge_id}. */
export async function passkeyLoginOptionsRoute(_request: RequestOf<typeof NoBody, "none">, deps: Deps): Promise<JsonReply> {
  const { options, challengeId } = await passkeyLoginOptions(deps);
  return { status: 200, body: { options, challenge_id: challengeId } };
}

/** POST /passkeys/login/verify {credential, challenge_id, device_name?} -> the login body, or `mfa_required`. */
export async function passkeyLoginVerifyRoute(
  { body, clientNetwork, userAgent }: RequestOf<typeof PasskeyLoginBody, "none">,
  deps: Deps,
): Promise<JsonReply> {
  const result = await signInWithPasskey(
    {
      credential: assertionOf(body.credential),
      challengeId: body.challenge_id,
      clientNetwork,
      device: deviceOf(body.device_name, userAgent),
    },
    deps,
  );
  return { status: 200, body: signInBody(result) };
}

/** GET /passkeys -> {passkeys: [...]}, oldest first. */
export async function listPasskeysRoute({ caller }: RequestOf<typeof NoBody, "token">, deps: Deps): Promise<JsonReply> {
  return { status: 200, body: { passkeys: (await listPasskeys(caller.uid, deps)).map(passkeyJson) } };
}

/** DELETE /passkeys/{id} or POST /passkeys/{id}/delete -> {deleted: true}; 404 for an id the caller does not have. */
export async function deletePasskeyRoute(
  { caller, params, language }: RequestOf<typeof NoBody, "token", { params: typeof PasskeyParams }>,
  deps: Deps,
): Promise<JsonReply> {
  await removePasskey(caller.uid, params.id, { language }, deps);
  return { status: 200, body: { deleted: true } };
}

/** GET /.well-known/assetlinks.json (Digital Asset Links: Android apps that may use the RP's passkeys). */
export async function assetLinksRoute(_request: RequestOf<typeof NoBody, "none">, deps: Deps): Promise<JsonReply> {
  return { status: 200, body: assetLinks(deps) };
}

/** GET /.well-known/apple-app-site-association (`webcredentials`: iOS apps that may use them). */
export async function appleAssociationRoute(_request: RequestOf<typeof NoBody, "none">, deps: Deps): Promise<JsonReply> {
  return { status: 200, body: appleAppSiteAssociation(deps) };
}
