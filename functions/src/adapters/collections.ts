// Firestore layout (docs/architecture.md, "Data model"). Every `auth_*` collection is server-only:
// `firestore.rules` denies clients, and only the Admin SDK (which bypasses rules) touches it.
// Document ids derived from emails and networks are HMACs under AUTH_HMAC_KEY (domain/ids.ts).
export const COLLECTIONS = {
  /**
   * `{HMAC(canonical email)}` -> uid, password hash, role, status: the email index and the
   * credential in one document. Its create() precondition is the uniqueness lock of an email,
   * and a login needs this one read.
   */
  credentials: "auth_credentials",
  /** `{uid}` -> `{email_key}`: finds the credential from a uid (token-authenticated calls). */
  uidIndex: "auth_uid_index",
  /**
   * `{session id}` -> uid, role_id, session_epoch, created_at, expires_at (the session's absolute
   * end), last_used_at: exists while the session lives. The custom token's `sid` claim names it;
   * the API's ID-token check and the rules' `liveSession()` read it (firestore.rules).
   */
  sessions: "auth_sessions",
  /** `{sha256(refresh token)}` -> uid, session id, idle and absolute expiry, rotated_at. */
  refreshTokens: "auth_refresh_tokens",
  /** `{sha256(parent token)}`: created when a token is rotated; its create() makes rotation single-use. */
  refreshRotations: "auth_refresh_rotations",
  /** `{HMAC(dimension, values, window)}` -> reserved password checks and signups, locks; trust markers (throttling). */
  throttle: "auth_throttle",
  /** `{HMAC("code", purpose, email key)}` -> the digest of a mailed code, its uid, tries and expiry (password reset). */
  codes: "auth_codes",
  /**
   * `{sha256(mfa_token)}` -> uid, email key, session epoch, sign-in methods, tries, expires_at:
   * a login of an account with a second factor, waiting for its code (POST /mfa/verify).
   */
  mfaChallenges: "auth_mfa_challenges",
  /** `{sha256(credential id)}` -> a passkey: uid, credential id, public key, counter, flags, name, dates. */
  passkeys: "auth_passkeys",
  /** `{sha256(challenge)}` -> `{expires_at}`: a WebAuthn challenge used (single use; domain/passkeys.ts). */
  passkeyChallenges: "auth_passkey_challenges",
  /** FlutterFlow's Authenticated User documents. */
  users: "users",
} as const;

/**
 * The collections whose documents carry `expires_at` (a Timestamp: the document's end). Each has
 * a TTL policy on it in firestore.indexes.json, the primary deletion, and the daily clean-up
 * (expired.ts) sweeps it as the fallback; test/unit/indexes.test.ts checks both.
 */
export const EXPIRING_COLLECTIONS = [
  COLLECTIONS.sessions,
  COLLECTIONS.refreshTokens,
  COLLECTIONS.refreshRotations,
  COLLECTIONS.throttle,
  COLLECTIONS.codes,
  COLLECTIONS.mfaChallenges,
  COLLECTIONS.passkeyChallenges,
] as const;
export type ExpiringCollection = (typeof EXPIRING_COLLECTIONS)[number];
