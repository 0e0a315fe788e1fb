import { z } from "zod";
import { USER_PAGE } from "../domain/admin.js";
import { PRINTABLE_TEXT } from "../domain/name.js";
import { AppError, invalidRequest } from "../errors.js";

/**
 * Request bodies, checked at the edge. Objects are strict: an unknown field (`uid`, `role`,
 * `role_id`, a misspelt `Email`) is refused with 400 naming it, never silently honoured or
 * dropped. Values must be strings: FlutterFlow sends variables as strings, so a number, a
 * boolean, null, an object or an array means the API call is misconfigured.
 */
const text = (field: string) =>
  z.string({
    error: (issue) => (issue.input === undefined ? `The field "${field}" is required.` : `The field "${field}" must be a string.`),
  });

/** GET requests: nothing to read (the handler passes `{}`). */
export const NoBody = z.strictObject({});

/**
 * The device's name in the list of signed-in devices (GET /sessions): what the app calls it
 * (FlutterFlow: the platform and model); "" or absent: a label from the User-Agent. Printable
 * text of at most 64 characters.
 */
const deviceName = text("device_name")
  .max(64, 'The field "device_name" must be at most 64 characters.')
  .regex(PRINTABLE_TEXT, 'The field "device_name" must not contain control or invisible characters.')
  // A lone surrogate is no text: Firestore would refuse to store it (a 500 after the sign-in's work).
  .refine((name) => name.isWellFormed(), 'The field "device_name" must be valid text.')
  .optional()
  .meta({ description: "The device's name in the list of signed-in devices (e.g. the platform and model)" });

export const SignupBody = z.strictObject({
  email: text("email"),
  password: text("password"),
  name: text("name").optional(),
  device_name: deviceName,
});

export const LoginBody = z.strictObject({
  email: text("email"),
  password: text("password"),
  /** A mailed verification code (REQUIRE_VERIFIED_EMAIL); "" is none. */
  code: text("code").optional(),
  device_name: deviceName,
});

export const RefreshBody = z.strictObject({
  refresh_token: text("refresh_token"),
  device_name: deviceName,
});

export const LogoutBody = z.strictObject({
  refresh_token: text("refresh_token"),
  all_devices: z.boolean({ error: 'The field "all_devices" must be true or false (a JSON boolean, not a string).' }).optional(),
});

export const UpdateMeBody = z
  .strictObject({
    name: text("name").optional(),
    photo_url: z
      .url({ protocol: /^https$/, error: 'The field "photo_url" must be an https URL.' })
      .max(2048, 'The field "photo_url" must be at most 2048 characters.')
      .optional(),
  })
  .refine((body) => body.name !== undefined || body.photo_url !== undefined, {
    message: 'Send "name" and/or "photo_url".',
    path: ["name"],
  });

/**
 * A proof of the second factor, for an account that has one (step-up; "" is none): a code from
 * the authenticator app, or a recovery code. Accounts without a factor leave both out.
 */
const factorProof = {
  code: text("code").max(64, 'The field "code" is too long.').optional().meta({ description: "A code from the authenticator app" }),
  recovery_code: text("recovery_code")
    .max(64, 'The field "recovery_code" is too long.')
    .optional()
    .meta({ description: "A recovery code (instead of code)" }),
};

export const ChangePasswordBody = z.strictObject({
  current_password: text("current_password"),
  new_password: text("new_password"),
  ...factorProof,
});

export const DeleteAccountBody = z.strictObject({
  password: text("password"),
  ...factorProof,
});

/** POST /mfa/totp/enroll. */
export const MfaEnrollBody = z.strictObject({ password: text("password") });

/** POST /mfa/totp/activate: the first code from the app. */
export const MfaActivateBody = z.strictObject({ code: text("code").max(64, 'The field "code" is too long.') });

/** POST /mfa/verify: the second step of a sign-in. */
export const MfaVerifyBody = z.strictObject({
  mfa_token: text("mfa_token").max(128, 'The field "mfa_token" is too long.'),
  ...factorProof,
  device_name: deviceName,
});

/** POST /mfa/totp/disable. */
export const MfaDisableBody = z.strictObject({ password: text("password"), ...factorProof });

/** POST /mfa/recovery-codes. */
export const FactorProofBody = z.strictObject(factorProof);

export const ResetRequestBody = z.strictObject({
  email: text("email"),
});

export const ResetConfirmBody = z.strictObject({
  email: text("email"),
  code: text("code"),
  new_password: text("new_password"),
});

// Passkeys (domain/passkeys.ts). `credential` is what the platform's WebAuthn call answers, as
// SimpleWebAuthn's browser helpers (and the Flutter `passkeys` package) serialize it: an object,
// the one place a body holds more than strings. Its members are checked by the library.
const base64url = (field: string, max: number) =>
  z
    .string({ error: `The field "${field}" must be a base64url string.` })
    .max(max, `The field "${field}" is too long.`)
    .regex(/^[A-Za-z0-9_-]*$/, `The field "${field}" must be a base64url string.`);
const credentialBase = {
  id: base64url("credential.id", 1400),
  rawId: base64url("credential.rawId", 1400),
  type: z.literal("public-key", { error: 'The field "credential.type" must be "public-key".' }),
  clientExtensionResults: z.looseObject({}).default({}),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
};
const challengeId = text("challenge_id").max(512, 'The field "challenge_id" is too long.').meta({
  description: "`$.challenge_id` of the options answer, sent back unchanged",
});

/** POST /passkeys/register/verify. */
export const PasskeyRegisterBody = z.strictObject({
  credential: z.strictObject(
    {
      ...credentialBase,
      response: z.looseObject({
        clientDataJSON: base64url("credential.response.clientDataJSON", 4096),
        attestationObject: base64url("credential.response.attestationObject", 8192),
        transports: z.array(z.string().max(32)).max(10).optional(),
      }),
    },
    { error: 'The field "credential" must be the registration response (an object).' },
  ),
  name: text("name").optional(),
  challenge_id: challengeId,
});

/** POST /passkeys/login/verify. */
export const PasskeyLoginBody = z.strictObject({
  credential: z.strictObject(
    {
      ...credentialBase,
      response: z.looseObject({
        clientDataJSON: base64url("credential.response.clientDataJSON", 4096),
        authenticatorData: base64url("credential.response.authenticatorData", 4096),
        signature: base64url("credential.response.signature", 1024),
        userHandle: base64url("credential.response.userHandle", 256).optional(),
      }),
    },
    { error: 'The field "credential" must be the authentication response (an object).' },
  ),
  challenge_id: challengeId,
  device_name: deviceName,
});

/** `/passkeys/:id`: one of the caller's passkeys (`$.passkeys[i].id`). */
export const PasskeyParams = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "Not a passkey id.")
    .meta({ description: "The passkey's id (`$.passkeys[i].id`)" }),
});

/** POST /login/code/request: a sign-in code by mail. */
export const LoginCodeRequestBody = z.strictObject({
  email: text("email"),
});

/** POST /login/code/confirm: the mailed code signs in (`name`: an account it makes, LOGIN_CODE_SIGNUP). */
export const LoginCodeConfirmBody = z.strictObject({
  email: text("email"),
  code: text("code"),
  name: text("name").optional(),
  device_name: deviceName,
});

export const EmailChangeRequestBody = z.strictObject({
  new_email: text("new_email"),
  password: text("password"),
  ...factorProof,
});

export const CodeBody = z.strictObject({
  code: text("code"),
});

export const RoleBody = z.strictObject({
  role_id: z
    .number({ error: 'The field "role_id" must be a whole number.' })
    .int('The field "role_id" must be a whole number.')
    .min(0)
    .max(1_000_000),
});

export const DisableBody = z.strictObject({
  disabled: z.boolean({ error: 'The field "disabled" must be true or false (a JSON boolean).' }),
});

/**
 * Query parameters: strings, where FlutterFlow sends an unbound variable as "" - so an empty
 * value is an absent parameter.
 */
const parameter = (name: string) =>
  z.string({
    error: (issue) => (issue.input === undefined ? `The parameter "${name}" is required.` : `The parameter "${name}" must appear once.`),
  });

/** A whole number from `min` to `max`, as a query parameter (digits only: no sign, exponent or spaces). */
const wholeNumberParameter = (name: string, min: number, max: number) => {
  const message = `The parameter "${name}" must be a whole number from ${min} to ${max}.`;
  return parameter(name)
    .regex(/^[0-9]{1,9}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));
};

/** GET /admin/users: a page of users. */
export const ListUsersQuery = z.strictObject({
  limit: wholeNumberParameter("limit", 1, USER_PAGE.max)
    .optional()
    .meta({ description: `Users per page (default ${USER_PAGE.default})` }),
  cursor: parameter("cursor").max(512, 'The parameter "cursor" is not one this API gave.').optional().meta({
    description: "`$.next_cursor` of the previous page; absent or empty: the first page",
  }),
  email_prefix: parameter("email_prefix")
    .max(254, 'The parameter "email_prefix" is too long.')
    .optional()
    .meta({ description: "Only users whose email (as they typed it) starts with this; ordered by email then" }),
});

/** `/admin/users/:uid/...`: the user's uid (the router already allows only `[A-Za-z0-9_-]{1,128}`). */
export const UidParams = z.strictObject({ uid: z.string().meta({ description: "The user's uid (`$.user.id`)" }) });

const sessionId = z.string().meta({ description: "A session's id (`$.sessions[:].id` of GET /sessions)" });

/** `/sessions/:id...`: one of the caller's sessions. */
export const SessionParams = z.strictObject({ id: sessionId });

/** `/admin/users/:uid/sessions/:id`: one session of a user. */
export const UserSessionParams = z.strictObject({
  uid: z.string().meta({ description: "The user's uid (`$.user.id`)" }),
  id: sessionId,
});

const shown = (key: string): string => (key.length > 64 ? `${key.slice(0, 64)}...` : key);

/** Parses `body` or throws `invalid_request` naming the first field at fault. */
export function parseBody<T>(schema: z.ZodType<T>, body: Record<string, unknown>): T {
  return parseWith(schema, body, "field", "body");
}

/**
 * Parses query (or path) values or throws `invalid_request` naming the parameter at fault: an
 * empty value is absent; a parameter sent twice is refused (which one would count?).
 */
export function parseParameters<T>(schema: z.ZodType<T>, values: Readonly<Record<string, string | readonly string[]>>): T {
  const given: [string, string | readonly string[]][] = [];
  for (const [name, value] of Object.entries(values)) {
    const present = (typeof value === "string" ? [value] : value).filter((v) => v !== "");
    if (present.length > 0) given.push([name, present.length === 1 ? (present[0] ?? "") : present]);
  }
  // Object.fromEntries makes `__proto__` an own key (refused as unknown), never the prototype.
  return parseWith(schema, Object.fromEntries(given), "parameter", "query");
}

function parseWith<T>(schema: z.ZodType<T>, input: Record<string, unknown>, noun: "field" | "parameter", whole: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new AppError("invalid_request", "The request is invalid.");
  if (issue.code === "unrecognized_keys") {
    const key = shown(issue.keys[0] ?? "");
    throw invalidRequest(key, `Unknown ${noun} "${key}".`);
  }
  const field = issue.path.length > 0 ? String(issue.path[0]) : whole;
  throw invalidRequest(field, issue.message);
}
