import { LIMITS } from "../config.js";
import { invalidRefreshToken, refreshTokenReused } from "../errors.js";
import { publicUser, ROLE_CLAIM, type AuthResult } from "./auth-result.js";
import type { AccountStore, AuthEvents, Clock, SessionStore, TokenMinter } from "./ports.js";
import { hashToken } from "./secrets.js";
import { continueSession, isExpired, type SessionLifetimes } from "./session.js";

export interface RefreshDeps {
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly minter: TokenMinter;
  readonly clock: Clock;
  readonly lifetimes: SessionLifetimes;
  readonly events: AuthEvents;
}

/** What `newRefreshToken()` makes: 43 base64url characters. Anything else is not ours. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Hashes a presented token, or null when it cannot be one of ours (no read needed then). */
export function presentedTokenHash(token: string): string | null {
  return TOKEN_SHAPE.test(token) ? hashToken(token) : null;
}

/**
 * Exchanges a refresh token for a new custom token and a new refresh token (rotation).
 * - A malformed token costs no read; an unknown one, one read.
 * - A token already exchanged is reuse (RFC 9700 4.14.2): the whole session is ended and the
 *   caller gets `refresh_token_reused`. Concurrent refreshes of one token: one wins (a create()
 *   precondition), the others count as reuse. No grace period: only token hashes are stored,
 *   so the winner's new token cannot be handed to a second caller, and a second child would
 *   break single use.
 * - The account is re-read: a disabled or deleted account gets nothing; a changed role arrives
 *   in the new token's claims.
 */
export async function refresh(input: { readonly refreshToken: string }, deps: RefreshDeps): Promise<AuthResult> {
  const hash = presentedTokenHash(input.refreshToken);
  if (hash === null) throw invalidRefreshToken();
  const stored = await deps.sessions.find(hash);
  if (stored === null) throw invalidRefreshToken();
  if (stored.rotatedAt !== null) return reuse(stored.uid, stored.sessionId, deps);

  const now = deps.clock.now();
  if (isExpired(stored, now)) throw invalidRefreshToken();
  const account = await deps.accounts.findByEmailKey(stored.emailKey);
  if (account === null || account.uid !== stored.uid || account.disabled) throw invalidRefreshToken();

  // Mint before rotating: if minting fails, the presented token still works for a retry.
  const jwtToken = await deps.minter.mint(account.uid, { [ROLE_CLAIM]: account.roleId });
  const next = continueSession(stored, now, deps.lifetimes);
  const outcome = await deps.sessions.rotate(stored, next.record, now);
  if (outcome === "already_rotated") return reuse(stored.uid, stored.sessionId, deps);
  if (outcome === "gone") throw invalidRefreshToken();

  return {
    user: publicUser(account),
    jwtToken,
    expiresIn: LIMITS.customTokenLifetimeSeconds,
    refreshToken: next.refreshToken,
  };
}

async function reuse(uid: string, sessionId: string, deps: RefreshDeps): Promise<never> {
  await deps.sessions.revokeSession(sessionId);
  deps.events.refreshTokenReused(uid, sessionId);
  throw refreshTokenReused();
}
