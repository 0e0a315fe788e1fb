/**
 * Firestore layout (see README, "Data model"). Every `auth_*` collection is server-only:
 * `firestore.rules` denies clients, and only the Admin SDK (which bypasses rules) touches it.
 * Login, the hot path, costs one document read and one single-document write.
 */
export const COLLECTIONS = {
  /**
   * `{sha256(canonical email)}` -> uid, password hash, role, status: the email index and the
   * credential in one document. Its create() precondition is the uniqueness lock of an email,
   * and a login needs this one read.
   */
  credentials: "auth_credentials",
  /** `{uid}` -> `{email_key}`: finds the credential from a uid (token-authenticated calls). */
  uidIndex: "auth_uid_index",
  /** `{sha256(refresh token)}` -> uid, session id, idle and absolute expiry, rotated_at. */
  refreshTokens: "auth_refresh_tokens",
  /** `{sha256(parent token)}`: created when a token is rotated; its create() makes rotation single-use. */
  refreshRotations: "auth_refresh_rotations",
  /** `{sha256(dimension, values)}` -> failed password checks (throttling). */
  throttle: "auth_throttle",
  /** FlutterFlow's Authenticated User documents. */
  users: "users",
} as const;
