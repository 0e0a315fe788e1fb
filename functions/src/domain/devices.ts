// Signed-in devices (issue 25; docs/api.md, "Signed-in devices"): the list of a user's sessions
// and the end of one of them, by its owner or an administrator. A session is one login on one
// device: its live record `auth_sessions/{sid}`, whose id is the `sid` claim of every custom
// token it mints. Ending it deletes that record (and its refresh tokens): from then on the API's
// ID-token check and the rules' `liveSession()` refuse every Firebase session made from its
// tokens - that device's only. Firebase's own `revokeRefreshTokens(uid)` would end all of them.
import { AppError } from "../errors.js";
import { existing } from "./account.js";
import type { Deps } from "./deps.js";
import type { DeviceSession } from "./model.js";

export type DevicesDeps = Pick<Deps, "accounts" | "sessions" | "clock" | "events" | "maxSessions">;

/** A session as the list shows it: no token, hash or address. */
export interface ListedSession {
  readonly id: string;
  readonly device: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  /** The caller's own session (the `sid` of the ID token that asked). */
  readonly current: boolean;
}

/**
 * How many records one query reads. A record lasts until its session's absolute end, so besides
 * the live sessions (at most the cap) there can be sessions that went idle and ones of an older
 * epoch, not yet swept: the query has no order (an order would need a composite index), so it
 * reads a generous bound and filters.
 */
const READ_LIMIT = 500;

const noSuchSession = (): AppError => new AppError("not_found", "There is no such session.");

/**
 * The user's live sessions, newest first: those of the account's current epoch (an older one
 * ended with a password change, reset, email change or disabling) and not past their absolute
 * end. One whose refresh token went idle is still listed: its device's Firebase session goes on
 * under the rules while the record lives, so its owner must be able to end it.
 */
async function liveSessionsOf(uid: string, sessionEpoch: number, deps: DevicesDeps): Promise<DeviceSession[]> {
  const now = deps.clock.now();
  const records = await deps.sessions.sessionsOf(uid, READ_LIMIT);
  return records
    .filter((record) => record.uid === uid && record.sessionEpoch === sessionEpoch && record.expiresAt > now)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.sessionId < b.sessionId ? -1 : 1));
}

const listed = (record: DeviceSession, currentSid: string | undefined): ListedSession => ({
  id: record.sessionId,
  device: record.device,
  createdAt: record.createdAt,
  lastUsedAt: record.lastUsedAt,
  current: record.sessionId === currentSid,
});

/**
 * GET /sessions: the caller's signed-in devices, the newest MAX_SESSIONS_PER_USER (the login's
 * cap ends the oldest sessions beyond it; records of sessions that went idle can outnumber it,
 * and revoke-others ends those too). `currentSid`: the caller's own session.
 */
export async function listSessions(uid: string, currentSid: string | undefined, deps: DevicesDeps): Promise<readonly ListedSession[]> {
  const account = await existing(uid, deps);
  return (await liveSessionsOf(uid, account.sessionEpoch, deps)).slice(0, deps.maxSessions).map((record) => listed(record, currentSid));
}

/**
 * Ends one session of `uid`: a live one of the user, else 404 `not_found` (an id of someone
 * else's session, an ended one and a made-up one are answered alike: nothing to enumerate).
 * Ending the caller's own is a logout. `actorUid`: an administrator ending it.
 */
export async function endSession(uid: string, sessionId: string, deps: DevicesDeps, actorUid?: string): Promise<void> {
  const account = await existing(uid, deps);
  const found = (await liveSessionsOf(uid, account.sessionEpoch, deps)).find((record) => record.sessionId === sessionId);
  if (found === undefined) throw noSuchSession();
  await deps.sessions.revokeSession(sessionId);
  deps.events.security({ event: "session_ended", uid, sessionId, ...(actorUid !== undefined && { actorUid }) });
}

/** POST /sessions/revoke-others: every live session of the user but `currentSid`; how many ended. */
export async function endOtherSessions(uid: string, currentSid: string | undefined, deps: DevicesDeps): Promise<number> {
  const account = await existing(uid, deps);
  const others = (await liveSessionsOf(uid, account.sessionEpoch, deps)).filter((record) => record.sessionId !== currentSid);
  for (const record of others) await deps.sessions.revokeSession(record.sessionId);
  if (others.length > 0) deps.events.security({ event: "other_sessions_ended", uid, ended: others.length });
  return others.length;
}
