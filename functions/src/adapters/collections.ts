/**
 * Firestore layout (see README, "Data model"). Every `auth_*` collection is server-only:
 * `firestore.rules` denies clients, and only the Admin SDK (which bypasses rules) touches it.
 */
export const COLLECTIONS = {
  /** `{sha256(canonical email)}` -> `{uid}`: the uniqueness lock of an email. */
  emailIndex: "auth_email_index",
  /** `{uid}` -> password hash, role, status: the authority. */
  credentials: "auth_credentials",
  /** `{sessionId}` -> one login and the refresh tokens rotated from it. */
  sessions: "auth_sessions",
  /** `{sha256(refresh token)}` -> its session and expiry. */
  refreshTokens: "auth_refresh_tokens",
  /** FlutterFlow's Authenticated User documents. */
  users: "users",
} as const;
