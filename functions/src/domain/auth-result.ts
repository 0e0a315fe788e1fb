import { type Account, AUTH_METHODS, type AuthMethod } from "./model.js";
import type { DeveloperClaim } from "./ports.js";

/** The user as the API shows it (FlutterFlow's `user` object, unformatted). */
export interface PublicUser {
  readonly id: string;
  readonly roleId: number;
  readonly name: string;
  readonly email: string;
  readonly emailVerified: boolean;
  /** A second factor (an authenticator app) is on: sign-ins ask for a code after the password. */
  readonly mfaEnabled: boolean;
}

export const publicUser = (account: Account): PublicUser => ({
  id: account.uid,
  roleId: account.roleId,
  name: account.displayName,
  email: account.email,
  emailVerified: account.emailVerified,
  mfaEnabled: account.secondFactor !== null,
});

/** What signup and login give back: the body FlutterFlow's JWT guide documents, unformatted. */
export interface AuthResult {
  readonly user: PublicUser;
  /** Firebase custom token, for `signInWithCustomToken` (FlutterFlow: Log in, JWT token). */
  readonly jwtToken: string;
  readonly expiresIn: number;
  readonly refreshToken: string;
}

/**
 * The first step of a sign-in of an account with a second factor (login, password reset): no
 * session yet. POST /mfa/verify takes `mfaToken` with a code and answers the AuthResult.
 */
export interface MfaRequired {
  readonly mfaRequired: true;
  readonly mfaToken: string;
  readonly methods: readonly ("totp" | "recovery_code")[];
}

export const isMfaRequired = (result: AuthResult | MfaRequired): result is MfaRequired => "mfaRequired" in result;

/** The custom claim that carries the role into Firebase ID tokens and security rules. */
export const ROLE_CLAIM = "role_id";

/**
 * The developer claim naming the session a custom token belongs to (its live record,
 * `auth_sessions/{sid}`). Firebase keeps a custom token's developer claims in every ID token of
 * the Firebase session it starts, so the API (IdTokenVerifier) and the rules (`liveSession()`)
 * can refuse that Firebase session once the backend session ended - even one started later from
 * a custom token minted before the end, which Firebase's own revocation does not cover.
 */
export const SESSION_CLAIM = "sid";

/**
 * The developer claim saying how the session was signed in: a list of RFC 8176 values (`pwd`,
 * `otp`, `mfa`; model.ts, AuthMethod). Not `amr` itself: Firebase reserves that name and
 * createCustomToken refuses it. Rules read it as `request.auth.token.auth_methods`
 * (docs/flutterflow.md shows a rule that asks for `mfa`).
 */
export const METHODS_CLAIM = "auth_methods";

/** The sign-in methods a verified token's claims name (a token from before them, or anything else: a password). */
export function methodsIn(claims: Readonly<Record<string, unknown>>): readonly AuthMethod[] {
  const value = claims[METHODS_CLAIM];
  if (!Array.isArray(value) || value.length === 0) return ["pwd"];
  const methods = AUTH_METHODS.filter((method) => value.includes(method));
  return methods.length === value.length ? methods : ["pwd"];
}

/** The developer claims of a session's custom tokens. */
export const sessionClaims = (
  roleId: number,
  sessionId: string,
  methods: readonly AuthMethod[] = ["pwd"],
): Readonly<Record<string, DeveloperClaim>> => ({
  [ROLE_CLAIM]: roleId,
  [SESSION_CLAIM]: sessionId,
  [METHODS_CLAIM]: methods,
});
