import { newId } from "./ids.js";
import type { AuthMethod, RefreshTokenRecord, StoredRefreshToken } from "./model.js";
import type { AccountStore, SessionStore } from "./ports.js";
import { hashToken, newRefreshToken } from "./tokens.js";

export interface SessionLifetimes {
  /** Seconds a refresh token stays valid when unused. */
  readonly idleSeconds: number;
  /** Seconds a session lasts from its login, whatever the refreshes. */
  readonly absoluteSeconds: number;
}

export interface IssuedToken {
  /** The token itself: only ever in the response. */
  readonly refreshToken: string;
  /** What is stored of it. */
  readonly record: RefreshTokenRecord;
}

const plus = (date: Date, seconds: number): Date => new Date(date.getTime() + seconds * 1000);
const earlier = (a: Date, b: Date): Date => (a < b ? a : b);

function issueAs(refreshToken: string, fields: Omit<RefreshTokenRecord, "tokenHash">): IssuedToken {
  return { refreshToken, record: { ...fields, tokenHash: hashToken(refreshToken) } };
}

const issue = (fields: Omit<RefreshTokenRecord, "tokenHash">): IssuedToken => issueAs(newRefreshToken(), fields);

/** Starts a session (at signup or login): its first refresh token. `methods`: how it was signed in. */
export function startSession(
  account: { readonly uid: string; readonly emailKey: string; readonly sessionEpoch: number },
  now: Date,
  lifetimes: SessionLifetimes,
  methods: readonly AuthMethod[] = ["pwd"],
  device?: string,
): IssuedToken {
  const sessionExpiresAt = plus(now, lifetimes.absoluteSeconds);
  return issue({
    sessionId: newId(),
    uid: account.uid,
    emailKey: account.emailKey,
    sessionEpoch: account.sessionEpoch,
    methods,
    device,
    createdAt: now,
    expiresAt: earlier(plus(now, lifetimes.idleSeconds), sessionExpiresAt),
    sessionExpiresAt,
  });
}

/**
 * The next token of a session (rotation): same family, same absolute end, a new idle window.
 * `device`: a new name for the session's device (the app sent one), written on its record.
 */
export function continueSession(
  parent: StoredRefreshToken,
  now: Date,
  lifetimes: SessionLifetimes,
  refreshToken: string,
  device?: string,
): IssuedToken {
  return issueAs(refreshToken, {
    device,
    sessionId: parent.sessionId,
    uid: parent.uid,
    emailKey: parent.emailKey,
    sessionEpoch: parent.sessionEpoch,
    methods: parent.methods,
    createdAt: now,
    expiresAt: earlier(plus(now, lifetimes.idleSeconds), parent.sessionExpiresAt),
    sessionExpiresAt: parent.sessionExpiresAt,
  });
}

/**
 * Ends the user's oldest sessions past `max` (a leaked password or a script cannot pile up
 * sessions without bound). Oldest = the earliest absolute end, i.e. the earliest login. Runs the
 * query only when the account's `sessionCount` (an upper bound) says the cap may be passed, then
 * stores the true count. Best effort after the new session is written: a failure here is
 * logged, never a failed login.
 */
export async function capSessions(
  account: { readonly uid: string; readonly emailKey: string; readonly sessionCount: number },
  max: number,
  deps: { readonly sessions: SessionStore; readonly accounts: Pick<AccountStore, "setSessionCount"> },
): Promise<number> {
  if (account.sessionCount + 1 <= max) return 0; // this login's session included
  const live = await deps.sessions.liveSessions(account.uid);
  const oldest = [...live]
    .sort((a, b) => a.sessionExpiresAt.getTime() - b.sessionExpiresAt.getTime())
    .slice(0, Math.max(0, live.length - max));
  for (const session of oldest) await deps.sessions.revokeSession(session.sessionId);
  await deps.accounts.setSessionCount(account.emailKey, live.length - oldest.length);
  return oldest.length;
}

/** A stored token is usable when it was never rotated and neither expiry has passed. */
export function isExpired(token: RefreshTokenRecord, now: Date): boolean {
  return token.expiresAt <= now || token.sessionExpiresAt <= now;
}

/** What `newRefreshToken()` makes: 43 base64url characters. Anything else is not ours. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Hashes a presented token, or null when it cannot be one of ours (no read needed then). */
export function presentedTokenHash(token: string): string | null {
  return TOKEN_SHAPE.test(token) ? hashToken(token) : null;
}
