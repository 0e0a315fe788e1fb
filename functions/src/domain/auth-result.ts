import type { Account } from "./model.js";

/** The user as the API shows it (FlutterFlow's `user` object, unformatted). */
export interface PublicUser {
  readonly id: string;
  readonly roleId: number;
  readonly name: string;
  readonly email: string;
  readonly emailVerified: boolean;
}

export const publicUser = (account: Account): PublicUser => ({
  id: account.uid,
  roleId: account.roleId,
  name: account.displayName,
  email: account.email,
  emailVerified: account.emailVerified,
});

/** What signup and login give back: the body FlutterFlow's JWT guide documents, unformatted. */
export interface AuthResult {
  readonly user: PublicUser;
  /** Firebase custom token, for `signInWithCustomToken` (FlutterFlow: Log in, JWT token). */
  readonly jwtToken: string;
  readonly expiresIn: number;
  readonly refreshToken: string;
}

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

/** The developer claims of a session's custom tokens. */
export const sessionClaims = (roleId: number, sessionId: string): Readonly<Record<string, number | string>> => ({
  [ROLE_CLAIM]: roleId,
  [SESSION_CLAIM]: sessionId,
});
