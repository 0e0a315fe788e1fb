// The bodies the API answers with: their zod schemas, and the functions that make them from the
// use cases' results. The OpenAPI document (openapi.ts) is made from the schemas, and the
// emulator tests check every answer they receive against the route's schema for its status, so
// the document cannot drift from what the code sends. Objects are strict: a key the schema does
// not name is a test failure.
import { z } from "zod";
import type { ListedUser, UserPage } from "../domain/admin.js";
import type { AuthResult, PublicUser } from "../domain/auth-result.js";
import { ERROR_STATUS, type ErrorCode, WEAK_PASSWORD_REASONS } from "../errors.js";

export const UserObject = z
  .strictObject({
    id: z.string().meta({ description: "The Firebase uid (`users/{id}`)", example: "Xb3tq9LrT0aZk1mN2pQs" }),
    role_id: z.number().int().meta({ example: 1 }),
    name: z.string().meta({ example: "james" }),
    email: z.string().meta({ example: "james@yopmail.com" }),
    email_verified: z.boolean().meta({ example: false }),
  })
  .meta({ description: "The account (JSON paths `$.user.id`, `$.user.role_id`, ...)" });

export const AuthAnswer = z
  .strictObject({
    user: UserObject,
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().meta({ description: "Seconds the jwt_token can be exchanged (Firebase: one hour)", example: 3600 }),
    jwt_token: z.string().meta({ description: "A Firebase custom token: FlutterFlow's Log In action (JWT Token) takes `$.jwt_token`" }),
    refresh_token: z.string().meta({ description: "Store it (`$.refresh_token`); POST /refresh exchanges it for a new login body" }),
  })
  .meta({ description: "Signed in: the body FlutterFlow's JWT-token sign-in reads" });

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
  return { id: user.id, role_id: user.roleId, name: user.name, email: user.email, email_verified: user.emailVerified } as const;
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
  } as const;
}

/** GET /admin/users's body. */
export function userPageJson(page: UserPage) {
  const row = (user: ListedUser) => ({ ...userJson(user), disabled: user.disabled, created_time: user.createdAt.toISOString() });
  return { users: page.users.map(row), next_cursor: page.nextCursor } as const;
}
