// Everything the use cases may use, in one object: the ports (stores, Auth, hasher, clock,
// events), the keyed ids and the settings they read. Wired once for production (services.ts)
// and once for the unit tests (test/unit/fakes.ts, `world()`). Each use case names the part it
// uses with `Pick<Deps, ...>`, so a test builds nothing it does not need and a reader sees at a
// glance what a use case can touch.
import type { Keys } from "./ids.js";
import type { AppCheckMode } from "./model.js";
import type { PasskeySettings } from "./passkeys.js";
import type { PasswordPolicy } from "./password-policy.js";
import type {
  AccountStore,
  AppCheckTokens,
  AuthEvents,
  AuthUsers,
  Clock,
  CodeStore,
  IdTokenVerifier,
  Mailer,
  MfaChallengeStore,
  PasskeyStore,
  PasswordHasher,
  SessionStore,
  ThrottleStore,
  TokenMinter,
} from "./ports.js";
import type { SecretBox } from "./sealed-secret.js";
import type { SessionLifetimes } from "./session.js";

export interface Deps {
  readonly accounts: AccountStore;
  readonly codes: CodeStore;
  /** Two-step sign-ins waiting for their second factor. */
  readonly challenges: MfaChallengeStore;
  readonly sessions: SessionStore;
  readonly throttle: ThrottleStore;
  readonly authUsers: AuthUsers;
  readonly idTokens: IdTokenVerifier;
  readonly minter: TokenMinter;
  readonly hasher: PasswordHasher;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly events: AuthEvents;
  /** Keyed ids of emails and networks (ids.ts). */
  readonly keys: Keys;
  /** Seals what the server must read back (an account's TOTP secret) under a key from the server's secret. */
  readonly secrets: SecretBox;
  /** The successor of a refresh token: an HMAC of it under the server's secret (never stored). */
  readonly successorOf: (refreshToken: string) => string;
  // Settings (config.ts)
  readonly lifetimes: SessionLifetimes;
  readonly policy: PasswordPolicy;
  /** Most sessions one user may hold; the oldest end first (MAX_SESSIONS_PER_USER). */
  readonly maxSessions: number;
  readonly defaultRoleId: number;
  readonly adminRoleId: number;
  /** Seconds during which an exchanged refresh token gets its successor again (0: never). */
  readonly reuseIntervalSeconds: number;
  /** The app's name in mails (APP_NAME), and how long a mailed code works (CODE_TTL_MINUTES). */
  readonly mail: { readonly appName: string; readonly codeTtlMinutes: number };
  /** Verification mailed at signup (SEND_VERIFICATION_ON_SIGNUP); sign-in only once verified (REQUIRE_VERIFIED_EMAIL). */
  readonly verification: { readonly sendOnSignup: boolean; readonly required: boolean };
  /** Emailed-code sign-in: whether it is on (LOGIN_CODE), and whether a code for an address without an account makes one (LOGIN_CODE_SIGNUP). */
  readonly loginCode: { readonly enabled: boolean; readonly signup: boolean };
  /**
   * App Check, for the HTTP layer's gate (http/app-check.ts): the mode of routes that name none
   * (APP_CHECK), whether replay-sensitive routes consume their token (APP_CHECK_CONSUME), the tokens.
   */
  readonly passkeys: PasskeyStore;
  /** The relying party (PASSKEY_*): null when passkeys are not set up (PASSKEY_RP_ID unset). */
  readonly passkeySettings: PasskeySettings | null;
  readonly appCheck: { readonly mode: AppCheckMode; readonly consume: boolean; readonly tokens: AppCheckTokens };
}
