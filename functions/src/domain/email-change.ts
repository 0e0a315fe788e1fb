// Email change by mailed code (docs/flutterflow.md, "Change email"): the signed-in user gives the new address
// and the password; a code goes to the new address (proof of the mailbox) and a notice to the old
// one. The confirm moves the account: login works with the new address and no longer with the
// old, the old address is free, `users/{uid}.email` and the Firebase Auth user follow, the new
// address counts as verified, and every session ends (ours by `sessionEpoch` + 1 in the move's
// own transaction, Firebase's by revoking its refresh tokens): the caller is signed in afresh.
import { AppError } from "../errors.js";
import { endSessionsAfter, existing, reauthenticate, signedIn } from "./account.js";
import type { AuthResult } from "./auth-result.js";
import { checkCode, codeRejected, issueCode, withdrawCode } from "./codes.js";
import type { Deps } from "./deps.js";
import { parseEmail } from "./email.js";
import { renderMail } from "./mail.js";
import { type Account, type AuthMethod, EmailTakenError, type Language } from "./model.js";
import { type FactorProof, requireSecondFactor } from "./second-factor-proof.js";
import { reserveMailRequest } from "./throttle.js";

export type EmailChangeDeps = Pick<
  Deps,
  | "accounts"
  | "authUsers"
  | "codes"
  | "mailer"
  | "throttle"
  | "events"
  | "keys"
  | "clock"
  | "mail"
  | "hasher"
  | "sessions"
  | "minter"
  | "lifetimes"
  | "secrets"
>;

const PURPOSE = "email_change";

const emailExists = (): AppError => new AppError("email_exists", "An account with this email already exists.", { field: "new_email" });

/**
 * Checks the password (on the login throttle), then mails a code to `newEmail` and a notice to
 * the account's address. An address that is taken gets no code, and the answer is the same (the
 * code document is written without a code, so the resend interval applies alike, and the notice
 * goes out either way): a signed-in caller learns nothing about other people's addresses.
 */
export async function requestEmailChange(
  uid: string,
  input: {
    readonly newEmail: string;
    readonly password: string;
    readonly clientNetwork?: string | undefined;
    readonly language: Language;
    /** A proof of the second factor, for an account that has one (step-up). */
    readonly proof?: FactorProof;
  },
  deps: EmailChangeDeps,
): Promise<void> {
  const account = await existing(uid, deps);
  const email = parseEmail(input.newEmail, deps.keys, "new_email");
  if (email.key === account.emailKey) {
    throw new AppError("invalid_request", "This is already the account's email address.", { field: "new_email" });
  }
  await reauthenticate(account, { password: input.password, field: "password", clientNetwork: input.clientNetwork }, deps);
  const now = deps.clock.now();
  await reserveMailRequest(deps, input.clientNetwork, now);
  // After the checks that can refuse (but the resend interval, inside issueCode): the proof is used up.
  await requireSecondFactor(account, input.proof ?? {}, input, deps);
  const available = (await deps.accounts.findByEmail(email)) === null;
  const values = { app: deps.mail.appName, minutes: deps.mail.codeTtlMinutes, newEmail: email.display };
  // A taken address gets the document without a code: only the resend interval, as for a free one.
  const code = await issueCode(PURPOSE, account.emailKey, available ? account.uid : null, now, deps, email.display);
  deps.events.security({ event: "email_change_requested", uid, available });
  try {
    if (code !== null) await deps.mailer.send(renderMail("email_change_code", input.language, email.display, { ...values, code }));
    await deps.mailer.send(renderMail("email_change_notice", input.language, account.email, values));
  } catch (error) {
    // Whichever mail could not go, free or taken alike: the document is withdrawn (a retry need
    // not wait, and no 429 tells the two apart) and the failure is a 503.
    await withdrawCode(PURPOSE, account.emailKey, deps);
    throw error;
  }
}

/**
 * Moves the account to the address the code was mailed to and signs the caller in afresh (the
 * login body). The code check counts on the login throttle. `email_exists` when the address was
 * taken after the code was sent (the code is used up; nothing else changed). The new session is
 * signed in as the caller's was (`methods`, from its token): the request proved the second
 * factor, if any.
 */
export async function confirmEmailChange(
  uid: string,
  input: {
    readonly code: string;
    readonly clientNetwork?: string | undefined;
    readonly methods?: readonly AuthMethod[];
    readonly device?: string | undefined;
  },
  deps: EmailChangeDeps,
): Promise<AuthResult> {
  const account = await existing(uid, deps);
  const { used, attempt } = await checkCode(PURPOSE, account.emailKey, input.code, input.clientNetwork, deps.clock.now(), deps);
  if (used?.uid !== account.uid || used.newEmail === null) throw codeRejected(PURPOSE, deps);
  const email = parseEmail(used.newEmail, deps.keys, "new_email");
  const moved = await moveAccount(account, email, deps);
  // The move ended every live session record in its own transaction (and raised the epoch): a
  // login with the old address racing it fails its session write. What is left is clean-up:
  // the refresh tokens and Firebase's own refresh tokens (logged when it fails; the move stands).
  await endSessionsAfter(uid, deps);
  deps.events.security({ event: "email_changed", uid });
  await attempt.succeeded().catch((error: unknown) => deps.events.followUpFailed("reset_throttle", uid, error));
  return signedIn(moved, deps, { methods: input.methods, device: input.device });
}

/**
 * The credential moves first (it is the authority, and its create() claims the address), marked
 * unsynced; then the Auth user follows. When Firebase Auth has the address on another user (one
 * made outside this backend), the move is undone and the answer is `email_exists`. Any other
 * failure of the Auth step leaves the account moved and unsynced: the next login brings the Auth
 * user up to date (login.ts, repairAuthUser), and the answer is still a success.
 */
async function moveAccount(account: Account, email: ReturnType<typeof parseEmail>, deps: EmailChangeDeps): Promise<Account> {
  let moved: Account | null;
  try {
    moved = await deps.accounts.changeEmail(account, email, true);
  } catch (error) {
    if (error instanceof EmailTakenError) throw emailExists();
    throw error;
  }
  // Disabled or being deleted since the request began: nothing moves.
  if (moved === null) throw new AppError("not_found", "There is no account for this sign-in.");
  try {
    await deps.authUsers.changeEmail(account.uid, email.canonical);
  } catch (error) {
    if (!(error instanceof EmailTakenError)) {
      deps.events.followUpFailed("sync_auth_user", account.uid, error);
      return moved;
    }
    // The old address was ours a moment ago. Moving back raises the epoch once more (the user
    // signs in again); if even that fails, the account stays at the new address, unsynced, and
    // the operator sees it in the log.
    const back = parseEmail(account.email, deps.keys);
    await deps.accounts
      .changeEmail(moved, back, account.emailVerified)
      .catch((undo: unknown) => deps.events.followUpFailed("undo_email_change", account.uid, undo));
    throw emailExists();
  }
  await deps.accounts
    .setAuthUserSynced(moved.emailKey)
    .catch((error: unknown) => deps.events.followUpFailed("mark_auth_user_synced", account.uid, error));
  // Stryker disable next-line BooleanLiteral: the account returned goes only to signedIn(), which does not read authUserSynced (the stored flag is what login reads)
  return { ...moved, authUserSynced: true };
}
