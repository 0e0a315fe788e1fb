import { LIMITS } from "../config.js";
import { invalidRefreshToken, refreshTokenReused } from "../errors.js";
import { type AuthResult, publicUser, sessionClaims } from "./auth-result.js";
import type { Deps } from "./deps.js";
import { emailNotVerified } from "./email-verification.js";
import type { Account, StoredRefreshToken } from "./model.js";
import { continueSession, isExpired, presentedTokenHash } from "./session.js";
import { hashToken } from "./tokens.js";

export type RefreshDeps = Pick<
  Deps,
  | "accounts"
  | "sessions"
  | "authUsers"
  | "minter"
  | "clock"
  | "lifetimes"
  | "events"
  | "successorOf"
  | "reuseIntervalSeconds"
  | "verification"
>;

/**
 * Exchanges a refresh token for a new custom token and a new refresh token (rotation).
 * - A malformed token costs no read; an unknown one, one read.
 * - The successor of a token is derived from it (`successorOf`: an HMAC under the server's
 *   secret), so it never has to be stored to be handed out again: within the reuse interval
 *   (`reuseIntervalSeconds`, default 10 s) presenting an already exchanged token again returns
 *   the same successor - parallel refreshes from several widgets, a double tap, a retry after a
 *   lost answer are not theft. Past the interval it is reuse (RFC 9700 4.14.2): the whole
 *   session ends, the user's Firebase sessions are revoked, and the caller gets
 *   `refresh_token_reused`. Single use still rests on a create() precondition: concurrent
 *   exchanges of one token write one child.
 * - The account is re-read: a disabled or deleted account gets nothing; a session older than
 *   the account's last password change (its `sessionEpoch`) is over; a changed role arrives in
 *   the new token's claims.
 */
export async function refresh(
  input: {
    readonly refreshToken: string;
    /** A new name for the session's device (the app sent one). */
    readonly device?: string | undefined;
  },
  deps: RefreshDeps,
): Promise<AuthResult> {
  const hash = presentedTokenHash(input.refreshToken);
  if (hash === null) throw invalidRefreshToken();
  const stored = await deps.sessions.find(hash);
  if (stored === null) throw invalidRefreshToken();
  const now = deps.clock.now();
  if (stored.rotatedAt !== null) return again(input.refreshToken, stored, now, deps);

  if (isExpired(stored, now)) throw invalidRefreshToken();
  const account = await usableAccount(stored, deps);
  // Mint before rotating: if minting fails, the presented token still works for a retry.
  const jwtToken = await deps.minter.mint(account.uid, sessionClaims(account.roleId, stored.sessionId, stored.methods));
  const next = continueSession(stored, now, deps.lifetimes, deps.successorOf(input.refreshToken), input.device);
  // Fails ("gone") when the session ended meanwhile: its live record or its token was deleted.
  const outcome = await deps.sessions.rotate(stored, next.record, now);
  if (outcome === "already_rotated") return again(input.refreshToken, { ...stored, rotatedAt: now }, now, deps);
  if (outcome === "gone") throw invalidRefreshToken();
  return { user: publicUser(account), jwtToken, expiresIn: LIMITS.customTokenLifetimeSeconds, refreshToken: next.refreshToken };
}

async function usableAccount(stored: StoredRefreshToken, deps: RefreshDeps): Promise<Account> {
  // A session started before its credential moved to the keyed id names the old id: the uid finds it.
  const account = (await deps.accounts.findByEmailKey(stored.emailKey)) ?? (await deps.accounts.findByUid(stored.uid));
  if (account === null || account.uid !== stored.uid || account.disabled) throw invalidRefreshToken();
  if (stored.sessionEpoch < account.sessionEpoch) throw invalidRefreshToken();
  // REQUIRE_VERIFIED_EMAIL turned on: a session from before ends at its next refresh until the address is proved.
  if (deps.verification.required && !account.emailVerified) throw emailNotVerified();
  return account;
}

/** How many exchanged tokens `again` follows to the live one (a client refreshing quickly twice). */
const MAX_CHAIN = 5;

/**
 * An exchanged token presented again. Within the reuse interval: the session's live token,
 * found by following successors from the presented one (the same answer the first exchange
 * gave, or a later one of the same family). Past it, or when the chain is broken: reuse.
 */
async function again(presented: string, stored: StoredRefreshToken, now: Date, deps: RefreshDeps): Promise<AuthResult> {
  const rotatedAt = stored.rotatedAt ?? now;
  const withinInterval = deps.reuseIntervalSeconds > 0 && now.getTime() - rotatedAt.getTime() <= deps.reuseIntervalSeconds * 1000;
  if (!withinInterval) return reuse(stored.uid, stored.sessionId, deps);
  let token = presented;
  for (let step = 0; step < MAX_CHAIN; step++) {
    token = deps.successorOf(token);
    const next = await deps.sessions.find(hashToken(token));
    if (next === null || next.sessionId !== stored.sessionId) break;
    if (next.rotatedAt !== null) continue;
    if (isExpired(next, now)) throw invalidRefreshToken();
    const [account, live] = await Promise.all([
      usableAccount(next, deps),
      next.recorded ? deps.sessions.liveState(next.sessionId, next.uid) : null,
    ]);
    if (live !== null && live.session === null) throw invalidRefreshToken(); // ended, tokens not yet deleted
    const jwtToken = await deps.minter.mint(account.uid, sessionClaims(account.roleId, next.sessionId, next.methods));
    return { user: publicUser(account), jwtToken, expiresIn: LIMITS.customTokenLifetimeSeconds, refreshToken: token };
  }
  return reuse(stored.uid, stored.sessionId, deps);
}

/**
 * Reuse means one of two parties holds a stolen token, and the one who refreshed first may be
 * the thief: the family ends, and so do the user's Firebase sessions (`revokeRefreshTokens`),
 * or the thief's app would keep its Firestore access under the app's rules.
 */
async function reuse(uid: string, sessionId: string, deps: RefreshDeps): Promise<never> {
  await deps.sessions.revokeSession(sessionId);
  await deps.authUsers.revokeFirebaseSessions(uid);
  deps.events.security({ event: "refresh_token_reused", uid, sessionId });
  throw refreshTokenReused();
}
