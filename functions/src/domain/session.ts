import type { NewSession } from "./ports.js";
import { hashToken, newId, newRefreshToken } from "./secrets.js";

export interface SessionLifetimes {
  /** Seconds a refresh token stays valid when unused. */
  readonly idleSeconds: number;
  /** Seconds a session lasts from its login, whatever the refreshes. */
  readonly absoluteSeconds: number;
}

/** Starts a session: the refresh token (for the response) and what is stored of it. */
export function startSession(
  uid: string,
  now: Date,
  lifetimes: SessionLifetimes,
): { readonly refreshToken: string; readonly session: NewSession } {
  const refreshToken = newRefreshToken();
  const expiresAt = new Date(now.getTime() + lifetimes.absoluteSeconds * 1000);
  const idleEnd = new Date(now.getTime() + lifetimes.idleSeconds * 1000);
  return {
    refreshToken,
    session: {
      id: newId(),
      uid,
      tokenHash: hashToken(refreshToken),
      createdAt: now,
      expiresAt,
      tokenExpiresAt: idleEnd < expiresAt ? idleEnd : expiresAt,
    },
  };
}
