import type { Deps } from "./deps.js";
import { presentedTokenHash } from "./session.js";

export type LogoutDeps = Pick<Deps, "sessions" | "authUsers">;

/**
 * Ends the session of the presented refresh token; with `allDevices`, every session of its
 * user and every Firebase session (`revokeRefreshTokens`). Idempotent and silent: an unknown,
 * malformed, expired or already-ended token succeeds the same way, so the answer never tells
 * whether a token existed.
 */
export async function logout(input: { readonly refreshToken: string; readonly allDevices: boolean }, deps: LogoutDeps): Promise<void> {
  const hash = presentedTokenHash(input.refreshToken);
  if (hash === null) return;
  const stored = await deps.sessions.find(hash);
  if (stored === null) return;
  if (!input.allDevices) {
    await deps.sessions.revokeSession(stored.sessionId);
    return;
  }
  await deps.sessions.revokeAllSessions(stored.uid);
  await deps.authUsers.revokeFirebaseSessions(stored.uid);
}
