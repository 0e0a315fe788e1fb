/** What signup and login give back: the body FlutterFlow's JWT guide documents, unformatted. */
export interface AuthResult {
  readonly user: {
    readonly id: string;
    readonly roleId: number;
    readonly name: string;
    readonly email: string;
  };
  /** Firebase custom token, for `signInWithCustomToken` (FlutterFlow: Log in, JWT token). */
  readonly jwtToken: string;
  readonly expiresIn: number;
  readonly refreshToken: string;
}

/** The custom claim that carries the role into Firebase ID tokens and security rules. */
export const ROLE_CLAIM = "role_id";
