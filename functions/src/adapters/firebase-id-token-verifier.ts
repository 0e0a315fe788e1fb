import type { Auth } from "firebase-admin/auth";
import { z } from "zod";
import { withDeadline } from "../deadlines.js";
import { SESSION_CLAIM } from "../domain/auth-result.js";
import { sessionHolds } from "../domain/live-session.js";
import { type EndedSignIn, type LiveState, RejectedIdToken, type VerifiedCaller } from "../domain/model.js";
import type { Clock, IdTokenVerifier, SessionStore } from "../domain/ports.js";
import { errorCode } from "../errors.js";

/** firebase-admin's answers that mean "this token does not authenticate anyone". */
const REJECTED = new Set([
  "auth/argument-error",
  "auth/id-token-expired",
  "auth/id-token-revoked",
  "auth/invalid-id-token",
  "auth/user-disabled",
  "auth/user-not-found",
]);

/** The revocation check's answers for a genuine token whose sign-in has ended. */
const ENDED: Readonly<Record<string, EndedSignIn>> = {
  "auth/id-token-revoked": "revoked",
  "auth/user-not-found": "user_deleted",
};

function rejectedOr(error: unknown): unknown {
  const reason = errorCode(error);
  if (typeof reason !== "string" || !REJECTED.has(reason)) return error; // Auth out of reach: a 503 at the edge
  return new RejectedIdToken(error);
}

const caller = (uid: string, claims: Readonly<Record<string, unknown>>, ended?: EndedSignIn): VerifiedCaller => ({
  uid,
  claims,
  ...(ended !== undefined && { ended }),
});

/**
 * Firebase ID tokens with `verifyIdToken` and its revocation check: signature, audience, expiry,
 * `revokeRefreshTokens` and disabled users (one Auth lookup per call) - then the backend session
 * the token was made from: its `sid` claim must name a live session record of the same user, of
 * the account's current epoch, and the token's role must be the account's (domain/live-session.ts;
 * two documents in one read, made at the same time as the Auth lookup).
 * That second check is what ends a Firebase session started AFTER a revocation from a custom
 * token minted before it, which Firebase's own check lets through. Under the Auth emulator the
 * SDK accepts the emulator's unsigned tokens.
 */
export class FirebaseIdTokenVerifier implements IdTokenVerifier {
  constructor(
    private readonly auth: Pick<Auth, "verifyIdToken">,
    private readonly sessions: Pick<SessionStore, "liveState">,
    private readonly clock: Clock,
  ) {}

  async verify(idToken: string, accept: readonly EndedSignIn[] = []): Promise<VerifiedCaller> {
    // The session record and the account's mirror are read beside the Auth lookup, from the
    // token's claims as sent; they are only used once firebase-admin has verified those claims.
    const sent = sessionOf(idToken);
    const state = sent === undefined ? Promise.resolve(NO_STATE) : this.sessions.liveState(sent.sid, sent.uid);
    state.catch(() => undefined); // awaited below; never an unhandled rejection when verification fails first
    let decoded: Awaited<ReturnType<Auth["verifyIdToken"]>>;
    try {
      decoded = await withDeadline(() => this.auth.verifyIdToken(idToken, true));
    } catch (error) {
      const ended = ENDED[String(errorCode(error))];
      if (ended === undefined || !accept.includes(ended)) throw rejectedOr(error);
      // firebase-admin checks revocation and the user only AFTER the token's signature, audience,
      // issuer and expiry passed (base-auth.ts, verifyIdToken: verifyJWT, then
      // verifyDecodedJWTNotRevokedOrDisabled), so these two answers mean a genuine, unexpired
      // token. Its claims are read from it here: a second verifyIdToken cannot be used, as under
      // the Auth emulator it checks revocation even when told not to.
      const claims = claimsOf(idToken);
      return caller(claims.sub, claims, ended);
    }
    if (sessionHolds(decoded, await state, this.clock.now())) return caller(decoded.uid, decoded);
    if (accept.includes("session_ended")) return caller(decoded.uid, decoded, "session_ended");
    throw new RejectedIdToken(new Error("the session of this sign-in has ended"));
  }
}

const NO_STATE: LiveState = { session: null, current: null };

/** The `sid` claim and the uid of a JWT as sent (unverified), when it has both. */
function sessionOf(idToken: string): { readonly sid: string; readonly uid: string } | undefined {
  try {
    const claims = claimsOf(idToken);
    const sid: unknown = claims[SESSION_CLAIM];
    return typeof sid === "string" ? { sid, uid: claims.sub } : undefined;
  } catch {
    return undefined; // not a JWT: verifyIdToken refuses it
  }
}

/** The payload of a JWT that firebase-admin has verified (see above); `sub` is the uid. */
function claimsOf(idToken: string): { readonly sub: string } & Readonly<Record<string, unknown>> {
  const payload: unknown = JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8"));
  return z.looseObject({ sub: z.string().min(1) }).parse(payload);
}
