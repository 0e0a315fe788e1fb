import type { RefreshTokenRecord, StoredRefreshToken } from "./ports.js";
import { hashToken, newId, newRefreshToken } from "./secrets.js";

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

function issue(fields: Omit<RefreshTokenRecord, "tokenHash">): IssuedToken {
  const refreshToken = newRefreshToken();
  return { refreshToken, record: { ...fields, tokenHash: hashToken(refreshToken) } };
}

/** Starts a session (at signup or login): its first refresh token. */
export function startSession(uid: string, emailKey: string, now: Date, lifetimes: SessionLifetimes): IssuedToken {
  const sessionExpiresAt = plus(now, lifetimes.absoluteSeconds);
  return issue({
    sessionId: newId(),
    uid,
    emailKey,
    createdAt: now,
    expiresAt: earlier(plus(now, lifetimes.idleSeconds), sessionExpiresAt),
    sessionExpiresAt,
  });
}

/** The next token of a session (rotation): same family, same absolute end, a new idle window. */
export function continueSession(parent: StoredRefreshToken, now: Date, lifetimes: SessionLifetimes): IssuedToken {
  return issue({
    sessionId: parent.sessionId,
    uid: parent.uid,
    emailKey: parent.emailKey,
    createdAt: now,
    expiresAt: earlier(plus(now, lifetimes.idleSeconds), parent.sessionExpiresAt),
    sessionExpiresAt: parent.sessionExpiresAt,
  });
}

/** A stored token is usable when it was never rotated and neither expiry has passed. */
export function isExpired(token: RefreshTokenRecord, now: Date): boolean {
  return token.expiresAt <= now || token.sessionExpiresAt <= now;
}
