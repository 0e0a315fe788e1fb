// Firebase App Check for an `onRequest` function: callable functions enforce it with one flag,
// this API reads the `X-Firebase-AppCheck` header itself. The mode is APP_CHECK unless the route
// names its own (routes.ts); a route marked `replayProtected` (signup, login, reset, emailed-code
// sign-in) also consumes its token when APP_CHECK_CONSUME is on: the app sends a limited-use
// token, and the same token again is refused. docs/security.md, "App Check".
import type { Deps } from "../domain/deps.js";
import { AppCheckMisconfigured, type AppCheckMode, type AppCheckProblem, AppCheckRejected } from "../domain/model.js";
import { AppError, unavailable } from "../errors.js";

export interface AppCheckPolicy {
  /** The route's own mode; absent: APP_CHECK. */
  readonly mode?: AppCheckMode;
  /** A replayed request would matter here: consume the token (with APP_CHECK_CONSUME). */
  readonly replayProtected?: boolean;
}

/** The longest header read: App Check tokens are about 1 KB. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * Checks the request's App Check token under the route's mode: `off`, nothing; `monitor`, a
 * problem is a security event and the request goes on; `enforce`, it is a 401 as well. A key set
 * or consume API out of reach is an outage under `enforce` (503: nothing is let through
 * unchecked) and a logged event under `monitor` (the request goes on, as with no App Check).
 */
export async function checkAppCheck(
  token: string | undefined,
  policy: AppCheckPolicy,
  route: string,
  deps: Pick<Deps, "appCheck" | "events">,
): Promise<void> {
  const mode = policy.mode ?? deps.appCheck.mode;
  if (mode === "off") return;
  let problem: AppCheckProblem | undefined;
  try {
    problem = await problemOf(token, policy.replayProtected === true && deps.appCheck.consume, deps);
  } catch (error) {
    // Google's key set or consume API out of reach: 503. Refusing this backend (a missing IAM
    // role): a 500 whose logged cause names it - no retry mends it.
    if (mode === "enforce") throw error instanceof AppCheckMisconfigured ? error : unavailable(error);
    deps.events.followUpFailed("check_app_check", "", error);
    return;
  }
  if (problem === undefined) return;
  deps.events.security({ event: "app_check_failed", reason: problem, route, refused: mode === "enforce" });
  if (mode === "monitor") return;
  throw problem === "missing"
    ? new AppError("app_check_required", "This app could not prove it is genuine. Update it, or try again.")
    : new AppError("app_check_invalid", "The app's genuineness check failed. Try again.");
}

async function problemOf(token: string | undefined, consume: boolean, deps: Pick<Deps, "appCheck">): Promise<AppCheckProblem | undefined> {
  const presented = token?.trim() ?? "";
  if (presented === "") return "missing";
  if (presented.length > MAX_TOKEN_LENGTH) return "malformed";
  try {
    const claims = await deps.appCheck.tokens.verify(presented);
    // Consumption is by the token's id: one without an id could be sent again in another spelling.
    if (consume && claims.tokenId === undefined) return "malformed";
    if (consume && !(await deps.appCheck.tokens.consume(presented, claims))) return "replayed";
    return undefined;
  } catch (error) {
    if (error instanceof AppCheckRejected) return error.reason;
    throw error;
  }
}
