import type { Auth } from "firebase-admin/auth";
import { withDeadline } from "../deadlines.js";
import type { DeveloperClaim, TokenMinter } from "../domain/ports.js";
import { errorCode, unavailable } from "../errors.js";

/**
 * IAM's answers to `signBlob` that a retry may meet: over the project's quota (429
 * RESOURCE_EXHAUSTED; 60,000 signatures a minute, shared by everything in the project),
 * unavailable (503), timed out (504).
 */
const TRANSIENT_SIGN_STATUS = new Set([429, 503, 504]);

/**
 * The HTTP status IAM answered a failed signature with. firebase-admin hides it behind the code
 * `auth/internal-error` (lib/auth/token-generator.js, handleCryptoSignerError: IAM's error status
 * RESOURCE_EXHAUSTED has no Auth code of its own), keeping IAM's answer in `httpResponse`.
 */
function signBlobStatus(error: unknown): unknown {
  if (errorCode(error) !== "auth/internal-error") return undefined;
  if (typeof error !== "object" || error === null || !("httpResponse" in error)) return undefined;
  const response = error.httpResponse;
  return typeof response === "object" && response !== null && "status" in response ? response.status : undefined;
}

/**
 * Custom tokens from firebase-admin. On Cloud Functions (no key file, TOKEN_SIGNING=iam) each one
 * is signed by the IAM Credentials `signBlob` API: the runtime service account needs the "Service
 * Account Token Creator" role (README, "Deploy"). With TOKEN_SIGNING=key the Auth given is
 * firebase.ts's signingAuth: RS256 in this process, no network, and no IAM status to map. Under
 * the Auth emulator tokens are unsigned.
 */
export class FirebaseTokenMinter implements TokenMinter {
  constructor(private readonly auth: Pick<Auth, "createCustomToken">) {}

  async mint(uid: string, claims: Readonly<Record<string, DeveloperClaim>>): Promise<string> {
    try {
      return await withDeadline(() => this.auth.createCustomToken(uid, { ...claims }));
    } catch (error) {
      // A passing overload of IAM is a 503 with Retry-After, not a 500; a refused permission stays a 500.
      const status = signBlobStatus(error);
      throw typeof status === "number" && TRANSIENT_SIGN_STATUS.has(status) ? unavailable(error) : error;
    }
  }
}
