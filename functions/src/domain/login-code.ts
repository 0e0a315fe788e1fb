// Sign in without a password, by a 6-digit code sent by mail (docs/flutterflow.md, "Sign in
// with an emailed code"). Firebase's email-link sign-in needed Dynamic Links, shut down in
// August 2025; a code needs no links. The request follows the reset request's rules (the same
// answer for any address, the network's mail counter, one code per address resent at most every
// LIMITS.codeResendSeconds; the HTTP layer's floor hides the time a mail takes); the code is the
// mailed-code machinery's (codes.ts: a keyed digest, single use in a transaction, dead after
// LIMITS.maxCodeTries wrong tries, counted by the login throttle like a password guess).
import { randomBytes } from "node:crypto";
import { AppError } from "../errors.js";
import type { AuthResult, MfaRequired } from "./auth-result.js";
import { checkCode, codeRejected, issueCode } from "./codes.js";
import type { Deps } from "./deps.js";
import { parseEmail } from "./email.js";
import { newId } from "./ids.js";
import { repairAuthUser } from "./login.js";
import { renderMail } from "./mail.js";
import type { Account, AuthMethod, Language } from "./model.js";
import { parseName } from "./name.js";
import type { PasswordResetDeps } from "./password-reset.js";
import { sessionOrSecondStep } from "./second-factor.js";
import { newAccountRecord, storeNewAccount } from "./signup.js";
import { reserveAddressMail, reserveMailRequest } from "./throttle.js";

export type LoginCodeDeps = PasswordResetDeps & Pick<Deps, "loginCode" | "defaultRoleId" | "maxSessions">;

const PURPOSE = "login_code";
const METHODS: readonly AuthMethod[] = ["email"];

/**
 * A password no one knows: what an account made by a code, or taken over by one, holds until its
 * owner sets one by a reset. Its hash is an ordinary one (no special case anywhere: a password
 * login simply never matches).
 */
const unusablePassword = (): string => randomBytes(32).toString("base64url");

/**
 * Mails a sign-in code when `email` belongs to an enabled account - or to no account, with
 * LOGIN_CODE_SIGNUP (the confirmation then makes it). The caller's answer is the same either way
 * (202): an address that gets no code writes the same code document without a code, so the
 * resend interval applies to it too and no 429 tells them apart.
 */
export async function requestLoginCode(
  input: { readonly email: string; readonly clientNetwork?: string | undefined; readonly language: Language },
  deps: LoginCodeDeps,
): Promise<void> {
  enabled(deps);
  const email = parseEmail(input.email, deps.keys);
  const now = deps.clock.now();
  await reserveMailRequest(deps, input.clientNetwork, now);
  // With signups, any address can be mailed: each address gets a few codes an hour, counted
  // whether or not it has an account (the same 429 for both).
  if (deps.loginCode.signup) await reserveAddressMail(deps, email.key, now);
  const account = await deps.accounts.findByEmail(email);
  // Only an address proved before: a code into an account whose address was never proved would
  // have to hand it over (as a reset does, with what its signer-up wrote removed) - a reset's
  // job, chosen knowingly, not a sign-in's. Such an account signs in with its password.
  const live = account !== null && !account.disabled && account.emailVerified;
  // A newcomer's code names a uid no account has: a password signup of the same address meanwhile
  // makes an account with another uid, which the code then does not fit.
  const uid = live ? account.uid : account === null && deps.loginCode.signup ? newId() : null;
  // An account's code is bound to its session epoch: a password change or reset, an email change,
  // or a disabling before it is used makes it fit no more (a sign-out everywhere does not: it moves no epoch).
  const code = await issueCode(PURPOSE, email.key, uid, now, deps, null, live ? account.sessionEpoch : undefined);
  deps.events.security({ event: "login_code_requested", ...(live && { uid: account.uid }) });
  if (code === null) return;
  const values = { app: deps.mail.appName, code, minutes: deps.mail.codeTtlMinutes };
  // As the reset request: a mail that cannot go is logged, not answered (a 503 would tell).
  await deps.mailer
    .send(renderMail("login_code", input.language, live ? account.email : email.display, values))
    .catch((error: unknown) => deps.events.followUpFailed("send_login_code", uid ?? "", error));
}

/**
 * Signs in with a mailed code: the normal sign-in answer, or `mfa_required` for an account with a
 * second factor (the mailbox alone is one factor). The session's `auth_methods` is `email`.
 *
 * - An address without an account, with LOGIN_CODE_SIGNUP: the account is made, verified, with a
 *   password no one knows (a reset sets one). It is counted on the network's mail counter (its
 *   code request), not on the signup counter: both allow 100 an hour.
 * - An account whose address was never proved gets no code (requestLoginCode): it signs in with
 *   its password, or takes the account over by a reset.
 * - A code whose account's session epoch moved since it was mailed (a password change or reset,
 *   an email change, a disabling; not a sign-out everywhere, which moves no epoch) fits no more.
 * - A code sign-in clears nothing on the account-wide counter: the password did not change, and
 *   an attacker's guesses at it stay counted.
 */
export async function confirmLoginCode(
  input: {
    readonly email: string;
    readonly code: string;
    readonly name?: string | undefined;
    readonly clientNetwork?: string | undefined;
    readonly language: Language;
    readonly device?: string | undefined;
  },
  deps: LoginCodeDeps,
): Promise<AuthResult | MfaRequired> {
  enabled(deps);
  const email = parseEmail(input.email, deps.keys);
  // Before the code is checked: a name that cannot be stored must not use the code up. An unbound
  // FlutterFlow variable sends "": no name (it names only an account the code makes).
  const name = input.name === undefined || input.name.trim() === "" ? undefined : input.name;
  const displayName = parseName(name, email.display);
  const now = deps.clock.now();
  const { used, attempt } = await checkCode(PURPOSE, email.key, input.code, input.clientNetwork, now, deps);
  if (used === null) throw codeRejected(PURPOSE, deps);
  const found = await deps.accounts.findByEmail(email);
  let account: Account;
  if (found === null) {
    if (!deps.loginCode.signup) throw codeRejected(PURPOSE, deps); // issued before the switch was turned off
    // A fresh uid, never the code's: a code mailed to an account deleted since must not hand its
    // uid (and whatever the app left under it) to the account made now.
    account = await createAccount(newId(), email, displayName, now, deps);
  } else {
    const moved = used.sessionEpoch !== null && used.sessionEpoch !== found.sessionEpoch;
    if (found.uid !== used.uid || found.disabled || !found.emailVerified || moved) throw codeRejected(PURPOSE, deps);
    account = found;
    // A signup or an email change whose Auth user step was not confirmed: finished here, as a
    // password login does (an account made by a code has no password to log in with).
    await repairAuthUser(account, email.canonical, deps);
  }
  // The mailbox is one factor: an account with a second factor proves it next.
  return sessionOrSecondStep(account, attempt, { methods: METHODS, secondFactorProved: false, device: input.device }, deps);
}

/** LOGIN_CODE off: the routes are not there. */
function enabled(deps: Pick<LoginCodeDeps, "loginCode">): void {
  if (!deps.loginCode.enabled) throw new AppError("not_found", "There is no such endpoint.");
}

/** The account a newcomer's code makes: verified, a password no one knows, no session yet (signedIn makes it). */
async function createAccount(
  uid: string,
  email: ReturnType<typeof parseEmail>,
  displayName: string,
  now: Date,
  deps: LoginCodeDeps,
): Promise<Account> {
  const passwordHash = await deps.hasher.hash(unusablePassword());
  const fields = { uid, email, displayName, passwordHash, roleId: deps.defaultRoleId, emailVerified: true, now };
  const record = newAccountRecord(fields, null);
  // Taken meanwhile (a password signup of the same address, or Firebase Auth's user of it): the
  // code fits no account.
  if ((await storeNewAccount(record, email.canonical, deps)) !== "created") throw codeRejected(PURPOSE, deps);
  await deps.accounts
    .setAuthUserSynced(email.key)
    .catch((error: unknown) => deps.events.followUpFailed("mark_auth_user_synced", uid, error));
  deps.events.security({ event: "account_created_by_code", uid });
  return { ...record.account, authUserSynced: true };
}
