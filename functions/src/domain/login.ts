import { LIMITS } from "../config.js";
import { invalidCredentials } from "../errors.js";
import { publicUser, ROLE_CLAIM, type AuthResult } from "./auth-result.js";
import { parseEmail } from "./email.js";
import { normalizeLoginPassword } from "./password-policy.js";
import type {
  Account,
  AccountStore,
  AuthEvents,
  AuthUsers,
  Clock,
  PasswordHasher,
  SessionStore,
  TokenMinter,
} from "./ports.js";
import { startSession, type SessionLifetimes } from "./session.js";
import { clearAfterSuccess, countFailure, enforce, throttleKeys, type Counter, type ThrottleKey, type ThrottleStore } from "./throttle.js";

export interface LoginInput {
  readonly email: string;
  readonly password: string;
  /** The client's address as Google's front end saw it; absent when unknown. */
  readonly clientIp?: string | undefined;
}

/** Reads what a login needs - the account and its throttle counters - together (one round trip). */
export type LoginLookup = (
  emailKey: string,
  keys: readonly ThrottleKey[],
  now: Date,
) => Promise<{ readonly account: Account | null; readonly counters: ReadonlyMap<string, Counter> }>;

export interface LoginDeps {
  readonly lookup: LoginLookup;
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly throttle: ThrottleStore;
  readonly authUsers: AuthUsers;
  readonly hasher: PasswordHasher;
  readonly minter: TokenMinter;
  readonly clock: Clock;
  readonly lifetimes: SessionLifetimes;
  readonly events: AuthEvents;
}

/**
 * Checks the credentials and signs the account in.
 *
 * No quick exit: an unknown email is verified against a dummy hash of the same cost, and
 * every failure (unknown email, wrong password, disabled account) is the same error, so
 * neither the answer nor its timing tells whether an account exists. Failures are counted
 * by the throttle (throttle.ts), unknown emails exactly like real ones.
 */
export async function login(input: LoginInput, deps: LoginDeps): Promise<AuthResult> {
  const email = parseEmail(input.email);
  const password = normalizeLoginPassword(input.password);
  const now = deps.clock.now();

  const keys = throttleKeys(email.key, input.clientIp);
  const { account, counters } = await deps.lookup(email.key, keys, now);
  enforce(keys, counters, now);
  const valid =
    account === null
      ? await deps.hasher.verifyDummy(password).then(() => false)
      : await deps.hasher.verify(account.passwordHash, password);
  if (account === null || !valid || account.disabled) {
    await countFailure(deps.throttle, keys, counters, now);
    throw invalidCredentials();
  }

  await Promise.all([
    repairAuthUser(account, email.canonical, deps),
    rehash(account, password, deps),
    clearAfterSuccess(deps.throttle, keys, counters).catch((error: unknown) =>
      deps.events.followUpFailed("reset_throttle", account.uid, error),
    ),
  ]);

  const { refreshToken, record: session } = startSession(account.uid, account.emailKey, now, deps.lifetimes);
  const [jwtToken] = await Promise.all([
    deps.minter.mint(account.uid, { [ROLE_CLAIM]: account.roleId }),
    deps.sessions.create(session),
  ]);

  return {
    user: publicUser(account),
    jwtToken,
    expiresIn: LIMITS.customTokenLifetimeSeconds,
    refreshToken,
  };
}

/** Finishes a signup whose Auth user step was not confirmed (see signup.ts). */
async function repairAuthUser(account: Account, canonical: string, deps: LoginDeps): Promise<void> {
  if (account.authUserSynced) return;
  await deps.authUsers.ensure({ uid: account.uid, email: canonical, displayName: account.displayName });
  deps.events.authUserRepaired(account.uid);
  try {
    await deps.accounts.markAuthUserSynced(account.emailKey);
  } catch (error) {
    deps.events.followUpFailed("mark_auth_user_synced", account.uid, error);
  }
}

/** Upgrades a hash made with weaker parameters; a failure here never blocks the login. */
async function rehash(account: Account, password: string, deps: LoginDeps): Promise<void> {
  if (!deps.hasher.needsRehash(account.passwordHash)) return;
  try {
    await deps.accounts.updatePasswordHash(account.emailKey, await deps.hasher.hash(password));
    deps.events.passwordRehashed(account.uid);
  } catch (error) {
    deps.events.followUpFailed("rehash_password", account.uid, error);
  }
}
