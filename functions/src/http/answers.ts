// The bodies the API answers with: their zod schemas, and the functions that make them from the
// use cases' results. The OpenAPI document (openapi.ts) is made from the schemas, and the
// emulator tests check every answer they receive against the route's schema for its status, so
// the document cannot drift from what the code sends. Objects are strict: a key the schema does
// not name is a test failure.
import { z } from "zod";
import type { ListedUser, UserPage } from "../domain/admin.js";
import { type AuthResult, isMfaRequired, type MfaRequired, type PublicUser } from "../domain/auth-result.js";
import type { ListedSession } from "../domain/devices.js";
import { ERROR_STATUS, type ErrorCode, WEAK_PASSWORD_REASONS } from "../errors.js";

export const UserObject = z
  .strictObject({
    id: z.string().meta({ description: "The Firebase uid (`users/{id}`)", example: "Xb3tq9LrT0aZk1mN2pQs" }),
    role_id: z.number().int().meta({ example: 1 }),
    name: z.string().meta({ example: "james" }),
    email: z.string().meta({ example: "james@yopmail.com" }),
    email_verified: z.boolean().meta({ example: false }),
    mfa_enabled: z.boolean().meta({ description: "A second factor (authenticator app) is on", example: false }),
  })
  .meta({ description: "The account (JSON paths `$.user.id`, `$.user.role_id`, ...)" });

export const AuthAnswer = z
  .strictObject({
    user: UserObject,
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().meta({ description: "Seconds the jwt_token can be exchanged (Firebase: one hour)", example: 3600 }),
    jwt_token: z.string().meta({ description: "A Firebase custom token: FlutterFlow's Log In action (JWT Token) takes `$.jwt_token`" }),
    refresh_token: z.string().meta({ description: "Store it (`$.refresh_token`); POST /refresh exchanges it for a new login body" }),
    mfa_required: z.literal(false).meta({ description: "Signed in: no second step (`$.mfa_required`)" }),
  })
  .meta({ description: "Signed in: the body FlutterFlow's JWT-token sign-in reads" });

export const MfaRequiredAnswer = z
  .strictObject({
    mfa_required: z.literal(true).meta({ description: "Branch on `$.mfa_required`: ask for a code, then POST /mfa/verify" }),
    mfa_token: z.string().meta({ description: "Keep it in page state (`$.mfa_token`) for POST /mfa/verify: single use, 5 minutes" }),
    methods: z.array(z.enum(["totp", "recovery_code"])).meta({ example: ["totp", "recovery_code"] }),
  })
  .meta({ description: "The password was right; the account has a second factor: no session yet" });

/** Login and password reset: signed in, or the second step asked for. */
export const SignInAnswer = z.union([AuthAnswer, MfaRequiredAnswer]);

export const MfaVerifiedAnswer = AuthAnswer.extend({
  recovery_codes_left: z.number().int().meta({ description: "Recovery codes not yet used (`$.recovery_codes_left`)", example: 10 }),
}).meta({ description: "Signed in after the second step" });

export const MfaEnrollAnswer = z.strictObject({
  secret: z
    .string()
    .meta({ description: "The key in base32, for typing into an authenticator app by hand", example: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" }),
  otpauth_url: z.string().meta({
    description: "Feed `$.otpauth_url` to a QR code widget: every authenticator app reads it",
    example:
      "otpauth://totp/Acme:james%40yopmail.com?issuer=Acme&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30",
  }),
});

export const RecoveryCodesAnswer = z.strictObject({
  recovery_codes: z
    .array(z.string())
    .meta({ description: "Shown once: ask the user to keep them (`$.recovery_codes`); each works once", example: ["K7QM-2XRD-9FHP-WN4C"] }),
});

export const MfaDisabledAnswer = z.strictObject({ mfa_enabled: z.literal(false) });

export const SessionObject = z
  .strictObject({
    id: z.string().meta({ description: "The session's id: DELETE /sessions/{id} ends it", example: "Qx7mP2vK9sLt4RbN8cYz" }),
    device: z.string().meta({ description: "The device_name the app sent, or a label from its User-Agent", example: "iPhone 15" }),
    created_at: z.iso.datetime().meta({ description: "When it signed in (ISO 8601, UTC)", example: "2026-12-03T08:00:00.000Z" }),
    last_used_at: z.iso.datetime().meta({ description: "Its last refresh (ISO 8601, UTC)", example: "2026-12-03T09:00:00.000Z" }),
    current: z.boolean().meta({ description: "The session of the token that asked (this device)", example: true }),
  })
  .meta({ description: "A signed-in device (JSON paths `$.sessions[:].id`, `$.sessions[:].device`, ...)" });

export const SessionListAnswer = z.strictObject({ sessions: z.array(SessionObject).meta({ description: "Newest first" }) });
export const SessionEndedAnswer = z.strictObject({ ended: z.literal(true) });
export const OthersEndedAnswer = z.strictObject({
  ended_count: z.number().int().meta({ description: "How many sessions ended", example: 2 }),
});

export const PasskeyObject = z.strictObject({
  id: z.string().meta({ description: "For DELETE /passkeys/{id}" }),
  name: z.string(),
  created_at: z.string().meta({ description: "ISO 8601" }),
  last_used_at: z.string().nullable().meta({ description: "ISO 8601; null: never used to sign in" }),
  user_verified: z.boolean().meta({ description: "Registered with user verification (biometrics or PIN)" }),
  backed_up: z.boolean().meta({ description: "Synced to the user's other devices" }),
});
export const PasskeyAnswer = z.strictObject({ passkey: PasskeyObject });
export const PasskeyListAnswer = z.strictObject({ passkeys: z.array(PasskeyObject).meta({ description: "Oldest first" }) });
export const PasskeyOptionsAnswer = z.strictObject({
  options: z.looseObject({}).meta({ description: "WebAuthn options as JSON (SimpleWebAuthn's browser helpers take them as they are)" }),
  challenge_id: z.string().meta({ description: "Send it back unchanged with the verify call" }),
});

export const AssetLinksAnswer = z.array(z.looseObject({})).meta({ description: "Digital Asset Links statements" });
export const AppleAssociationAnswer = z.looseObject({ webcredentials: z.strictObject({ apps: z.array(z.string()) }) });

/** A passkey as the API shows it. */
export function passkeyJson(passkey: {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly userVerified: boolean;
  readonly backedUp: boolean;
}) {
  return {
    id: passkey.id,
    name: passkey.name,
    created_at: passkey.createdAt.toISOString(),
    last_used_at: passkey.lastUsedAt?.toISOString() ?? null,
    user_verified: passkey.userVerified,
    backed_up: passkey.backedUp,
  };
}

export const UserAnswer = z.strictObject({ user: UserObject });

/** A row of the admin user list: the user object, whether the account is disabled, when it was made. */
export const ListedUserObject = UserObject.extend({
  disabled: z.boolean().meta({ example: false }),
  created_time: z.iso.datetime().meta({ description: "When the account was made (ISO 8601, UTC)", example: "2026-12-03T08:00:00.000Z" }),
}).meta({ description: "A user of the list (JSON paths `$.users[:].id`, `$.users[:].email`, ...)" });

export const UserListAnswer = z.strictObject({
  users: z.array(ListedUserObject),
  next_cursor: z
    .string()
    .nullable()
    .meta({ description: "Pass it as `cursor` for the next page (`$.next_cursor`); null on the last page" }),
});
export const SentAnswer = z
  .strictObject({ sent: z.literal(true) })
  .meta({ description: "A mail is on its way (or, to tell nobody whether an account exists, the same answer without one)" });
export const AlreadyVerifiedAnswer = z.strictObject({ sent: z.literal(false), already_verified: z.literal(true) });
export const DeletedAnswer = z.strictObject({ deleted: z.literal(true) });
export const LoggedOutAnswer = z.strictObject({ logged_out: z.literal(true) });
export const DisabledAnswer = z.strictObject({ disabled: z.boolean() });

const CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export const ErrorAnswer = z.strictObject({
  error: z.strictObject({
    code: z.enum(CODES).meta({ description: "Stable: branch on it (`$.error.code`)" }),
    message: z.string().meta({ description: "A sentence for people, in the request's language (`$.error.message`)" }),
    field: z.string().optional().meta({ description: "The request field at fault" }),
    reason: z.enum(WEAK_PASSWORD_REASONS).optional().meta({ description: "Why a password was refused (weak_password)" }),
  }),
});

/** GET /openapi.json: the OpenAPI 3.0 document (openapi.ts). */
export const OpenApiAnswer = z.looseObject({
  openapi: z.string().startsWith("3.0."),
  info: z.looseObject({ version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

/** FlutterFlow's `user` object (`$.user.id`, `$.user.role_id`, ...). */
export function userJson(user: PublicUser) {
  return {
    id: user.id,
    role_id: user.roleId,
    name: user.name,
    email: user.email,
    email_verified: user.emailVerified,
    mfa_enabled: user.mfaEnabled,
  } as const;
}

/**
 * The body FlutterFlow's "JWT Token" guide documents. The app feeds `$.jwt_token` to the
 * Firebase "Log in" action (Auth Provider: JWT token).
 */
export function authBody(result: AuthResult) {
  return {
    user: userJson(result.user),
    token_type: "Bearer",
    expires_in: result.expiresIn,
    jwt_token: result.jwtToken,
    refresh_token: result.refreshToken,
    mfa_required: false,
  } as const;
}

/** Login and password reset: the login body, or `mfa_required` with the token for POST /mfa/verify. */
export function signInBody(result: AuthResult | MfaRequired) {
  if (!isMfaRequired(result)) return authBody(result);
  return { mfa_required: true, mfa_token: result.mfaToken, methods: result.methods } as const;
}

/** GET /sessions's body (and the administrator's). */
export function sessionListJson(sessions: readonly ListedSession[]) {
  const row = (session: ListedSession) => ({
    id: session.id,
    device: session.device,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    current: session.current,
  });
  return { sessions: sessions.map(row) } as const;
}

/** GET /admin/users's body. */
export function userPageJson(page: UserPage) {
  const row = (user: ListedUser) => ({ ...userJson(user), disabled: user.disabled, created_time: user.createdAt.toISOString() });
  return { users: page.users.map(row), next_cursor: page.nextCursor } as const;
}
