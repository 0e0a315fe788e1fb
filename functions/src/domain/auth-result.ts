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
