// The one error model of the API. Codes are part of the contract with FlutterFlow apps (they
// branch on them and show `$.error.message`): a code never changes meaning once published.
// Messages are for people and may be reworded.
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  weak_password: 400,
  invalid_code: 400,
  passkey_challenge_invalid: 400,
  passkey_origin_mismatch: 400,
  passkey_rp_mismatch: 400,
  passkey_counter_regressed: 400,
  passkey_unknown: 400,
  passkey_invalid: 400,
  invalid_credentials: 401,
  invalid_mfa_token: 401,
  app_check_required: 401,
  app_check_invalid: 401,
  invalid_refresh_token: 401,
  refresh_token_reused: 401,
  unauthenticated: 401,
  forbidden: 403,
  email_not_verified: 403,
  second_factor_required: 403,
  recent_sign_in_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  email_exists: 409,
  mfa_already_enabled: 409,
  passkey_exists: 409,
  mfa_not_enabled: 409,
  mfa_enrollment_expired: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  unsupported_media_type: 415,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Why a password was refused: stable, so an app can show its own wording. */
export const WEAK_PASSWORD_REASONS = ["too_short", "too_long", "invalid_characters", "common", "matches_email"] as const;
export type WeakPasswordReason = (typeof WEAK_PASSWORD_REASONS)[number];

export interface ErrorDetails {
  /** The request field at fault (for `invalid_request`, `weak_password`). */
  readonly field?: string;
  /** A stable sub-code (for `weak_password`). */
  readonly reason?: WeakPasswordReason;
  /** Seconds after which a retry may succeed (`unavailable`, `too_many_requests`): Retry-After. */
  readonly retryAfterSeconds?: number;
  /** Extra headers the answer must carry (for `method_not_allowed`: `Allow`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The underlying failure: logged, never sent. */
  readonly cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** The single message for every failed login: no hint whether the account exists. */
export const INVALID_CREDENTIALS_MESSAGE = "The email or password is incorrect.";

/** The code a mail adapter's failure carries: the mail was not handed over (a 503). */
export const MAIL_UNAVAILABLE = "mail/unavailable";

/** The generic text of a 500: the cause is only logged. */
export const INTERNAL_MESSAGE = "Something went wrong on our side. Please try again later.";

export const invalidRequest = (field: string, message: string): AppError => new AppError("invalid_request", message, { field });

export const invalidCredentials = (): AppError => new AppError("invalid_credentials", INVALID_CREDENTIALS_MESSAGE);

export const unavailable = (cause: unknown): AppError =>
  new AppError("unavailable", "The service is temporarily unavailable. Please try again.", {
    cause,
    retryAfterSeconds: 1,
  });

export const invalidRefreshToken = (): AppError =>
  new AppError("invalid_refresh_token", "The session has expired or ended. Please log in again.");

export const refreshTokenReused = (): AppError =>
  new AppError("refresh_token_reused", "This session was ended because an old sign-in token was used again. Please log in again.");

export const isAppError = (value: unknown): value is AppError => value instanceof AppError;

/** A 500 never says more than this; the cause goes to the log only. */
export const internalError = (cause: unknown): AppError => new AppError("internal", INTERNAL_MESSAGE, { cause });

/** gRPC status codes that Firestore and Google APIs use for passing trouble. */
const TRANSIENT_GRPC = new Set([
  4, // DEADLINE_EXCEEDED (also our own deadlines, deadlines.ts)
  8, // RESOURCE_EXHAUSTED
  10, // ABORTED (contention)
  14, // UNAVAILABLE
]);

/**
 * firebase-admin's codes for a service it could not reach (the Auth API, IAM), and the mail
 * adapters' one code for a mail they could not hand over (adapters/smtp-mailer.ts).
 */
const TRANSIENT_SDK = new Set(["app/network-error", "app/network-timeout", "auth/quota-exceeded", MAIL_UNAVAILABLE]);

/** The `code` of a thrown value (a gRPC number, a firebase-admin string), if it has one. */
export const errorCode = (error: unknown): unknown =>
  typeof error === "object" && error !== null && "code" in error ? error.code : undefined;

/** Firestore refusing for load on the same documents (RESOURCE_EXHAUSTED, ABORTED), not an outage. */
export function isContention(error: unknown): boolean {
  const code = errorCode(error);
  return code === 8 || code === 10;
}

/** True for a failure that a retry may not meet: Firestore, Auth or IAM out of reach or overloaded. */
export function isTransient(error: unknown): boolean {
  const code = errorCode(error);
  return typeof code === "number" ? TRANSIENT_GRPC.has(code) : typeof code === "string" && TRANSIENT_SDK.has(code);
}

/**
 * The one mapping of failures to answers (HTTP handler): an AppError as it is, a transient
 * failure of Firestore, Auth or IAM as a retryable 503 `unavailable`, anything else a 500.
 */
export function toAppError(caught: unknown): AppError {
  if (isAppError(caught)) return caught;
  return isTransient(caught) ? unavailable(caught) : internalError(caught);
}
