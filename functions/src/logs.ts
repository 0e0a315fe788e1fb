import * as logger from "firebase-functions/logger";
import type { AuthEvents } from "./domain/ports.js";

// Every log line of the backend, by name. Only ids, codes and error descriptions are logged:
// never a request body, password, hash, email address, custom token or refresh token.

/** What is safe to log of an error: its class, code and message (which carry no secrets). */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const code = "code" in error ? error.code : undefined;
    const cause = error.cause === undefined ? undefined : describeError(error.cause);
    return { name: error.name, code, message: error.message, cause };
  }
  if (typeof error === "object" && error !== null) {
    const code = "code" in error ? error.code : undefined;
    return { type: error.constructor?.name ?? "object", code };
  }
  return { type: typeof error };
}

export function requestFailed(requestId: string, route: string, status: number, error: unknown): void {
  const entry = { event: "request_failed", requestId, route, status, error: describeError(error) };
  if (status >= 500) logger.error("request failed", entry);
  else logger.warn("request failed", entry);
}

/** The auth service found no body-parser to cap: the Functions Framework's own limit stands (http/body-cap.ts). */
export function bodyCapNotApplied(maxBytes: number): void {
  logger.warn("body cap not applied", { event: "body_cap_not_applied", maxBytes });
}

/** What the background functions did; `warn`: a WARNING an operator should look at (a clean-up that ran out of time). */
export function housekeepingEvent(event: string, fields: Record<string, string | number | boolean>, warn = false): void {
  const entry = { event, ...fields };
  if (warn) logger.warn(event.replaceAll("_", " "), entry);
  else logger.info(event.replaceAll("_", " "), entry);
}

/** Security events that are the owner's own ordinary acts: INFO; every other one is a WARNING. */
const QUIET_EVENTS: ReadonlySet<string> = new Set([
  "password_changed",
  "account_deleted",
  "account_enabled",
  "password_reset_requested",
  "login_code_requested",
  "account_created_by_code",
  "email_verified",
  "email_change_requested",
]);

export const authEvents: AuthEvents = {
  security(entry) {
    const { event, ...fields } = entry;
    const quiet = QUIET_EVENTS.has(event);
    (quiet ? logger.info : logger.warn)(`security: ${event.replaceAll("_", " ")}`, { event, security: true, ...fields });
  },
  rollbackFailed(uid, error) {
    logger.error("signup rollback failed; the next login repairs the account", {
      event: "signup_rollback_failed",
      uid,
      error: describeError(error),
    });
  },
  followUpFailed(step, uid, error) {
    logger.warn("follow-up write failed", { event: "follow_up_failed", step, uid, error: describeError(error) });
  },
  authUserRepaired(uid) {
    logger.info("firebase auth user repaired at login", { event: "auth_user_repaired", uid });
  },
  passwordRehashed(uid) {
    logger.info("password hash upgraded", { event: "password_rehashed", uid });
  },
};
