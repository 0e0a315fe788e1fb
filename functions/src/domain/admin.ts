import { z } from "zod";
import { AppError, invalidRequest } from "../errors.js";
import { type PublicUser, publicUser, ROLE_CLAIM } from "./auth-result.js";
import type { Deps } from "./deps.js";
import { type DevicesDeps, endSession, type ListedSession, listSessions } from "./devices.js";
import { type Account, type Language, StaleAccountError, type UserListPosition } from "./model.js";
import { notifyFactorChange, removeSecondFactor } from "./second-factor.js";

export type AdminDeps = Pick<Deps, "accounts" | "sessions" | "authUsers" | "adminRoleId" | "events">;

export interface Caller {
  readonly uid: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

const forbidden = (): AppError => new AppError("forbidden", "This action needs an administrator.");

/**
 * An administrator is a caller whose verified token carries the admin `role_id` AND whose
 * server record still says so (a demoted admin's token keeps the old claim until it refreshes).
 */
async function requireAdmin(caller: Caller, deps: AdminDeps): Promise<void> {
  if (caller.claims[ROLE_CLAIM] !== deps.adminRoleId) throw forbidden();
  const record = await deps.accounts.findByUid(caller.uid);
  if (record === null || record.disabled || record.roleId !== deps.adminRoleId) throw forbidden();
}

const noSuchUser = (): AppError => new AppError("not_found", "There is no such user.");

async function target(uid: string, deps: AdminDeps) {
  const account = await deps.accounts.findByUid(uid);
  if (account === null) throw noSuchUser();
  return account;
}

/** A user as the admin list shows them: the public user, whether the account is disabled, when it was made. */
export interface ListedUser extends PublicUser {
  readonly disabled: boolean;
  readonly createdAt: Date;
}

export interface UserPage {
  readonly users: readonly ListedUser[];
  /** Opaque: where the next page starts; null on the last page. */
  readonly nextCursor: string | null;
}

export const USER_PAGE = { default: 50, max: 100 } as const;

// A cursor is the last listed account's position, as base64url JSON: `{"c": ISO time, "k": id}`
// (creation order) or `{"e": email}` (email search). Not secret (an administrator sees more than
// it holds), only opaque; one made for the other order is refused.
// `k`: a credential id (64 hex digits: an HMAC, or a legacy SHA-256); `c`: a time Firestore can hold.
const CreatedCursor = z.strictObject({
  c: z.iso.datetime().refine((iso) => {
    const year = new Date(iso).getUTCFullYear();
    return year >= 1 && year <= 9999;
  }),
  k: z.string().regex(/^[0-9a-f]{64}$/),
});
const EmailCursor = z.strictObject({ e: z.string().min(1).max(254) });

function encodeCursor(position: UserListPosition): string {
  const json = position.by === "created" ? { c: position.createdAt.toISOString(), k: position.emailKey } : { e: position.email };
  return Buffer.from(JSON.stringify(json)).toString("base64url");
}

function decodeCursor(cursor: string, by: UserListPosition["by"]): UserListPosition {
  const refused = invalidRequest("cursor", 'The parameter "cursor" is not one this API gave.');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw refused;
  }
  if (by === "created") {
    const parsed = CreatedCursor.safeParse(json);
    if (!parsed.success) throw refused;
    return { by, createdAt: new Date(parsed.data.c), emailKey: parsed.data.k };
  }
  const parsed = EmailCursor.safeParse(json);
  if (!parsed.success) throw refused;
  return { by, email: parsed.data.e };
}

/**
 * A page of users, for administrators (GET /admin/users): in creation order, or - with
 * `emailPrefix` - those whose email as typed starts with it, in email order. One query of
 * `limit + 1` accounts (the extra one only tells whether a next page exists). Never a hash.
 */
export async function listUsers(
  caller: Caller,
  page: { readonly limit?: number | undefined; readonly cursor?: string | undefined; readonly emailPrefix?: string | undefined },
  deps: AdminDeps,
): Promise<UserPage> {
  await requireAdmin(caller, deps);
  const limit = page.limit ?? USER_PAGE.default;
  const by = page.emailPrefix === undefined ? "created" : "email";
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, by);
  const accounts = await deps.accounts.list({
    limit: limit + 1,
    ...(after !== undefined && { after }),
    ...(page.emailPrefix !== undefined && { emailPrefix: page.emailPrefix }),
  });
  const shown = accounts.slice(0, limit);
  const last = shown.at(-1);
  const nextCursor =
    accounts.length > limit && last !== undefined
      ? encodeCursor(by === "created" ? { by, createdAt: last.createdAt, emailKey: last.emailKey } : { by, email: last.email })
      : null;
  return {
    users: shown.map((account) => ({ ...publicUser(account), disabled: account.disabled, createdAt: account.createdAt })),
    nextCursor,
  };
}

/** A store write whose account went away (or moved) since it was read: the user is no longer there. */
const gone = (error: unknown): never => {
  throw error instanceof StaleAccountError ? noSuchUser() : error;
};

/**
 * Sets a user's role: the credential (the authority, read at every login and refresh), the
 * role mirrored on the uid index (one commit), the display copy in `users/{uid}`, and the custom
 * user claims; then ends the user's Firebase sessions. The role travels as a developer claim of
 * the custom token, and Firebase keeps a custom token's claims in every ID token of the session
 * it starts: the API and the rules' `liveSession()` compare that claim with the mirror, so every
 * Firebase session carrying the old role - one started later from a custom token minted before
 * the change included - is refused at once. This backend's own sessions stay: the app's next
 * /refresh mints a token with the new role, and signs in with it.
 */
export async function setRole(caller: Caller, uid: string, roleId: number, deps: AdminDeps): Promise<PublicUser> {
  await requireAdmin(caller, deps);
  return applyRole(await target(uid, deps), roleId, caller.uid, deps);
}

/** setRole's work, for a caller already known to be allowed (an administrator, or the command line: actor `cli`). */
export async function applyRole(account: Account, roleId: number, actorUid: string, deps: AdminDeps): Promise<PublicUser> {
  await deps.accounts.setRole(account, roleId).catch(gone);
  await deps.authUsers.setRoleClaim(account.uid, roleId);
  await deps.authUsers.revokeFirebaseSessions(account.uid);
  deps.events.security({ event: "role_changed", actorUid, targetUid: account.uid, roleId });
  return { ...publicUser(account), roleId };
}

/**
 * Disables (or re-enables) an account: login and refresh are refused, Firebase Auth refuses the
 * user, and on disabling every session (ours: the epoch is raised in the same commit; and
 * Firebase's) ends. An admin cannot disable themselves (so a project cannot lose its last admin
 * by mistake).
 */
export async function setDisabled(
  caller: Caller,
  uid: string,
  disabled: boolean,
  deps: AdminDeps,
): Promise<{ readonly disabled: boolean }> {
  await requireAdmin(caller, deps);
  if (disabled && uid === caller.uid) throw new AppError("forbidden", "An administrator cannot disable their own account.");
  return applyDisabled(await target(uid, deps), disabled, caller.uid, deps);
}

/** setDisabled's work, for a caller already known to be allowed (an administrator, or the command line: actor `cli`). */
export async function applyDisabled(
  account: Account,
  disabled: boolean,
  actorUid: string,
  deps: AdminDeps,
): Promise<{ readonly disabled: boolean }> {
  await deps.accounts.setDisabled(account.emailKey, disabled).catch(gone);
  await deps.authUsers.setDisabled(account.uid, disabled);
  if (disabled) {
    await deps.sessions.revokeAllSessions(account.uid);
    await deps.authUsers.revokeFirebaseSessions(account.uid);
  }
  deps.events.security({ event: disabled ? "account_disabled" : "account_enabled", actorUid, targetUid: account.uid });
  return { disabled };
}

/**
 * Removes a user's second factor and recovery codes (a user who lost both the authenticator and
 * the codes, after the operator checked who they are): the user signs in with the password alone
 * until they turn a factor on again. Logged as a security event with the actor, and mailed to the
 * user, so a removal obtained by deceiving the operator does not go unnoticed. Sessions go on.
 */
export async function removeUserFactor(
  caller: Caller,
  uid: string,
  language: Language,
  deps: AdminDeps & Pick<Deps, "mailer" | "mail">,
): Promise<{ readonly mfaEnabled: false }> {
  await requireAdmin(caller, deps);
  return applyFactorRemoval(await target(uid, deps), caller.uid, language, deps);
}

/** removeUserFactor's work, for a caller already known to be allowed (an administrator, or the command line: actor `cli`). */
export async function applyFactorRemoval(
  account: Account,
  actorUid: string,
  language: Language,
  deps: AdminDeps & Pick<Deps, "mailer" | "mail">,
): Promise<{ readonly mfaEnabled: false }> {
  if (account.secondFactor === null && account.pendingFactor === null) return { mfaEnabled: false };
  if (!(await removeSecondFactor(account, deps))) throw noSuchUser();
  deps.events.security({ event: "mfa_disabled", uid: account.uid, actorUid });
  await notifyFactorChange("mfa_disabled", account, language, deps);
  return { mfaEnabled: false };
}

/** A user's signed-in devices, for administrators (GET /admin/users/{uid}/sessions). */
export async function listUserSessions(caller: Caller, uid: string, deps: AdminDeps & DevicesDeps): Promise<readonly ListedSession[]> {
  await requireAdmin(caller, deps);
  await target(uid, deps);
  return listSessions(uid, undefined, deps);
}

/** Ends one session of a user, for administrators (a security event names them). */
export async function endUserSession(caller: Caller, uid: string, sessionId: string, deps: AdminDeps & DevicesDeps): Promise<void> {
  await requireAdmin(caller, deps);
  await target(uid, deps);
  await endSession(uid, sessionId, deps, caller.uid);
}
