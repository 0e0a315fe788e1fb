// A second factor for accounts of this backend (issue 24; docs/security.md, "Second factor"):
// an authenticator app (TOTP, RFC 6238: totp.ts) with ten single-use recovery codes
// (recovery-codes.ts). Firebase's own MFA does not cover custom-token users, so the factor lives
// here, on the server-only credential: the secret sealed (sealed-secret.ts), the last used step,
// the recovery codes' keyed digests.
//
// - Enrol: the password again, then a new secret (not active) and its otpauth:// URL for the QR
//   code; activate with a first code, which answers the recovery codes, shown once.
// - Sign in: a login of an account with a factor answers `mfa_required` and an `mfa_token` (5
//   minutes, single use, 5 wrong codes, bound to the account and the session epoch of the
//   password check: a password change since kills it); POST /mfa/verify with a code or a
//   recovery code makes the session, whose custom token says how (`auth_methods`).
// - Step-up (second-factor-proof.ts): password and email changes, deletion, turning the factor
//   off and new recovery codes need a proof of it.
// - Lost both the phone and the codes: an administrator removes the factor (admin.ts), logged as
//   a security event and mailed to the user.
import { createHash, randomBytes } from "node:crypto";
import { LIMITS } from "../config.js";
import { AppError, invalidRequest } from "../errors.js";
import { type AccountDeps, existing, reauthenticate, signedIn, signedInAgain } from "./account.js";
import type { AuthResult, MfaRequired } from "./auth-result.js";
import type { Deps } from "./deps.js";
import { emailNotVerified } from "./email-verification.js";
import { renderMail } from "./mail.js";
import type { Account, AuthMethod, Language, SecondFactor } from "./model.js";
import { canonicalRecoveryCode, newRecoveryCodes } from "./recovery-codes.js";
import {
  type FactorProof,
  matchProof,
  methodsOf,
  proofKind,
  recoveryCodeUsed,
  requireSecondFactor,
  usedUp,
  wrongFactorCode,
} from "./second-factor-proof.js";
import { capSessions } from "./session.js";
import { beginPasswordAttempt, type PasswordAttempt } from "./throttle.js";
import { matchTotp, newTotpSecret, otpauthUrl } from "./totp.js";

/** What the account's own acts use (account.ts), and the two-step sign-ins and the session cap. */
export type SecondFactorDeps = AccountDeps & Pick<Deps, "challenges" | "maxSessions">;

const plus = (date: Date, seconds: number): Date => new Date(date.getTime() + seconds * 1000);

export const mfaAlreadyEnabled = (): AppError =>
  new AppError("mfa_already_enabled", "A second factor is already turned on for this account.");
export const mfaNotEnabled = (): AppError => new AppError("mfa_not_enabled", "This account has no second factor turned on.");
const enrollmentExpired = (): AppError =>
  new AppError("mfa_enrollment_expired", "There is no authenticator setup to confirm, or it expired. Start the setup again.");
const invalidMfaToken = (): AppError =>
  new AppError("invalid_mfa_token", "This sign-in has expired or was already completed. Please log in again.", { field: "mfa_token" });
const gone = (): AppError => new AppError("not_found", "There is no account for this sign-in.");

/** What `newMfaToken` makes: 43 base64url characters (256 bits). Anything else is not ours (no read). */
const MFA_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The id of an `mfa_token`'s challenge: its SHA-256 (the token itself is never stored). */
export const challengeIdOf = (mfaToken: string): string => createHash("sha256").update(mfaToken).digest("hex");

/** The digests of a set of recovery codes, as stored. */
const digestsOf = (uid: string, codes: readonly string[], deps: Pick<Deps, "keys">): string[] =>
  codes.map((code) => deps.keys.recoveryCode(uid, canonicalRecoveryCode(code) ?? code));

/** A notice of a change to the account's second factor (best effort: the change stands). */
export async function notifyFactorChange(
  kind: "mfa_enabled" | "mfa_disabled" | "recovery_codes_renewed",
  account: Account,
  language: Language,
  deps: Pick<Deps, "mailer" | "mail" | "events">,
): Promise<void> {
  await deps.mailer
    .send(renderMail(kind, language, account.email, { app: deps.mail.appName }))
    .catch((error: unknown) => deps.events.followUpFailed("notify_mfa_change", account.uid, error));
}

/**
 * Starts an enrolment, for an account whose address is proved (403 `email_not_verified`
 * otherwise): the password again (a stolen session alone cannot add its thief's
 * authenticator), then a new secret, sealed on the credential as pending for
 * LIMITS.mfaEnrollmentSeconds. A new enrolment replaces a pending one. The secret is answered
 * here only, never again.
 */
export async function enrollTotp(
  uid: string,
  input: { readonly password: string; readonly clientNetwork?: string | undefined },
  deps: SecondFactorDeps,
): Promise<{ readonly secret: string; readonly otpauthUrl: string }> {
  const account = await existing(uid, deps);
  if (account.secondFactor !== null) throw mfaAlreadyEnabled();
  // A proved address only: a reset of an address never proved hands the account to the
  // mailbox's owner and removes what was set on it (password-reset.ts, reclaim), factor included.
  if (!account.emailVerified) throw emailNotVerified();
  await reauthenticate(account, { password: input.password, field: "password", clientNetwork: input.clientNetwork }, deps);
  const secret = newTotpSecret();
  const pending = { sealedSecret: deps.secrets.seal(uid, secret), expiresAt: plus(deps.clock.now(), LIMITS.mfaEnrollmentSeconds) };
  const outcome = await deps.accounts.updateSecondFactor(account.emailKey, (current) => {
    if (current === null || current.uid !== uid || current.disabled) return { result: "gone" as const };
    if (current.secondFactor !== null) return { result: "enabled" as const };
    return { result: "pending" as const, pending };
  });
  if (outcome === "gone") throw gone();
  if (outcome === "enabled") throw mfaAlreadyEnabled();
  return { secret, otpauthUrl: otpauthUrl(deps.mail.appName, account.email, secret) };
}

/**
 * Confirms the enrolment with a current code from the app (counted by the throttle like a
 * password) and turns the factor on: the code's step is the first used one, and ten recovery
 * codes are made, answered once, stored as keyed digests. A notice is mailed. The account's
 * sessions go on (their `auth_methods` say they were made without the factor).
 */
export async function activateTotp(
  uid: string,
  input: { readonly code: string; readonly clientNetwork?: string | undefined; readonly language: Language },
  deps: SecondFactorDeps,
): Promise<{ readonly recoveryCodes: readonly string[] }> {
  const account = await existing(uid, deps);
  if (account.secondFactor !== null) throw mfaAlreadyEnabled();
  const pending = account.pendingFactor;
  const now = deps.clock.now();
  if (pending === null || pending.expiresAt <= now) throw enrollmentExpired();
  if (!/^\s*[0-9]{6}\s*$/.test(input.code)) throw invalidRequest("code", "Send the 6-digit code the authenticator app shows.");
  const attempt = await beginPasswordAttempt(deps, account.emailKey, input.clientNetwork, now, account.sessionEpoch, {
    ignoreTrust: true,
  });
  const step = matchTotp(deps.secrets.open(uid, pending.sealedSecret), input.code.trim(), now, null);
  if (step === null) {
    deps.events.security({ event: "mfa_rejected", uid, method: "totp" });
    throw wrongFactorCode("totp");
  }
  const recoveryCodes = newRecoveryCodes();
  const factor: SecondFactor = {
    sealedSecret: pending.sealedSecret,
    lastStep: step,
    recoveryDigests: digestsOf(uid, recoveryCodes, deps),
    activatedAt: now,
  };
  const outcome = await deps.accounts.updateSecondFactor(account.emailKey, (current) => {
    if (current === null || current.uid !== uid || current.disabled) return { result: "gone" as const };
    if (current.secondFactor !== null) return { result: "enabled" as const };
    if (current.pendingFactor?.sealedSecret !== pending.sealedSecret) return { result: "expired" as const };
    return { result: "active" as const, factor, pending: null };
  });
  if (outcome === "gone") throw gone();
  if (outcome === "enabled") throw mfaAlreadyEnabled();
  if (outcome === "expired") throw enrollmentExpired(); // replaced by a newer enrolment meanwhile
  await attempt.succeeded().catch((error: unknown) => deps.events.followUpFailed("reset_throttle", uid, error));
  deps.events.security({ event: "mfa_enabled", uid });
  await notifyFactorChange("mfa_enabled", account, input.language, deps);
  return { recoveryCodes };
}

/**
 * The first step of a sign-in of an account with a factor (login, password reset): a challenge
 * bound to the account and its current session epoch, and the `mfa_token` naming it.
 */
/**
 * The end of a sign-in whose first step passed (an emailed code, a passkey): an account with a
 * second factor not proved yet gets `mfa_required` - the attempt's count given back, nothing
 * settled: the verify's success settles the counters -, any other a session within
 * MAX_SESSIONS_PER_USER, the attempt settled.
 */
export async function sessionOrSecondStep(
  account: Account,
  attempt: PasswordAttempt,
  sign: { readonly methods: readonly AuthMethod[]; readonly secondFactorProved: boolean; readonly device: string | undefined },
  deps: Pick<Deps, "challenges" | "clock" | "lifetimes" | "minter" | "sessions" | "accounts" | "maxSessions" | "events">,
): Promise<AuthResult | MfaRequired> {
  const onFailure = (error: unknown) => deps.events.followUpFailed("reset_throttle", account.uid, error);
  if (account.secondFactor !== null && !sign.secondFactorProved) {
    await attempt.forgiven().catch(onFailure);
    return startMfaChallenge(account, sign.methods, deps);
  }
  await attempt.succeeded().catch(onFailure);
  return signedInAgain(account, deps, { methods: sign.methods, device: sign.device });
}

export async function startMfaChallenge(
  account: Account,
  methods: readonly AuthMethod[],
  deps: Pick<Deps, "challenges" | "clock">,
): Promise<MfaRequired> {
  const mfaToken = randomBytes(32).toString("base64url");
  await deps.challenges.create({
    id: challengeIdOf(mfaToken),
    uid: account.uid,
    emailKey: account.emailKey,
    sessionEpoch: account.sessionEpoch,
    methods,
    tries: 0,
    expiresAt: plus(deps.clock.now(), LIMITS.mfaTokenSeconds),
  });
  return { mfaRequired: true, mfaToken, methods: ["totp", "recovery_code"] };
}

/** The result of a completed two-step sign-in: the session, and how many recovery codes are left. */
export interface VerifiedSignIn extends AuthResult {
  readonly recoveryCodesLeft: number;
}

/**
 * The second step: the code (or recovery code) for an `mfa_token`. Wrong codes are counted by
 * the throttle and on the challenge (the fifth kills it). A right one is used up and the
 * challenge deleted in one transaction, so two verifies of one token (or one code sent twice)
 * make at most one session. The session's `auth_methods` are the first step's and the factor's.
 */
export async function verifyMfa(
  input: FactorProof & {
    readonly mfaToken: string;
    readonly clientNetwork?: string | undefined;
    readonly language: Language;
    /** The device's name for the list of signed-in devices. */
    readonly device?: string | undefined;
  },
  deps: SecondFactorDeps,
): Promise<VerifiedSignIn> {
  const kind = proofKind(input);
  if (kind === null) throw invalidRequest("code", "Send the code from the authenticator app (code) or a recovery code (recovery_code).");
  if (!MFA_TOKEN_SHAPE.test(input.mfaToken)) throw invalidMfaToken();
  const id = challengeIdOf(input.mfaToken);
  const now = deps.clock.now();
  const challenge = await deps.challenges.find(id);
  const live = (c: { readonly tries: number; readonly expiresAt: Date }) => c.tries < LIMITS.maxMfaTries && c.expiresAt > now;
  if (challenge === null || !live(challenge)) throw invalidMfaToken();
  const account = await deps.accounts.findByUid(challenge.uid);
  const current = (a: Account | null): a is Account =>
    a !== null && a.uid === challenge.uid && !a.disabled && a.sessionEpoch === challenge.sessionEpoch;
  if (!current(account) || account.secondFactor === null) throw invalidMfaToken();
  const factor = account.secondFactor;
  const attempt = await beginPasswordAttempt(deps, account.emailKey, input.clientNetwork, now, account.sessionEpoch, {
    ignoreTrust: true,
  });
  const matched = matchProof(account, factor, input, now, deps);
  const refused = async (): Promise<never> => {
    deps.events.security({ event: "mfa_rejected", uid: account.uid, method: kind });
    await deps.challenges.countWrong(id, LIMITS.maxMfaTries);
    throw wrongFactorCode(kind); // stays counted by the throttle
  };
  if (matched === null) return refused();
  const outcome = await deps.accounts.updateSecondFactor<SecondFactor | "token" | "code">(
    account.emailKey,
    (stored, read) => {
      if (read === null || !live(read)) return { result: "token" as const };
      // The account changed since the first step (a password change, disabling, the factor removed): the token is dead.
      if (!current(stored) || stored.secondFactor === null) return { result: "token" as const, consumeChallenge: true };
      const next = usedUp(stored.secondFactor, factor, matched);
      if (next === null) return { result: "code" as const }; // used meanwhile (a second request with the same code)
      return { result: next, factor: next, consumeChallenge: true };
    },
    id,
  );
  if (outcome === "token") throw invalidMfaToken();
  if (outcome === "code") return refused();
  await attempt.succeeded().catch((error: unknown) => deps.events.followUpFailed("reset_throttle", account.uid, error));
  const methods: readonly AuthMethod[] = [...challenge.methods, ...methodsOf(matched)];
  const result = await signedIn({ ...account, secondFactor: outcome }, deps, { methods, device: input.device });
  await capSessions(account, deps.maxSessions, deps).then(
    (ended) => ended > 0 && deps.events.security({ event: "sessions_capped", uid: account.uid, ended }),
    (error: unknown) => deps.events.followUpFailed("cap_sessions", account.uid, error),
  );
  if (matched.kind === "recovery_code") await recoveryCodeUsed(account, outcome.recoveryDigests.length, input.language, deps);
  return { ...result, recoveryCodesLeft: outcome.recoveryDigests.length };
}

/** Removes the factor and its recovery codes (and any pending enrolment); false when the account is gone. */
export async function removeSecondFactor(account: Account, deps: Pick<Deps, "accounts">): Promise<boolean> {
  return deps.accounts.updateSecondFactor(account.emailKey, (current) =>
    current === null || current.uid !== account.uid ? { result: false } : { result: true, factor: null, pending: null },
  );
}

/** Turns the factor off: the password and a proof of the factor (step-up); a notice is mailed. */
export async function disableTotp(
  uid: string,
  input: FactorProof & { readonly password: string; readonly clientNetwork?: string | undefined; readonly language: Language },
  deps: SecondFactorDeps,
): Promise<void> {
  const account = await existing(uid, deps);
  if (account.secondFactor === null) throw mfaNotEnabled();
  await reauthenticate(account, { password: input.password, field: "password", clientNetwork: input.clientNetwork }, deps);
  await requireSecondFactor(account, input, input, deps);
  if (!(await removeSecondFactor(account, deps))) throw gone();
  deps.events.security({ event: "mfa_disabled", uid });
  await notifyFactorChange("mfa_disabled", account, input.language, deps);
}

/** A new set of recovery codes (the old ones die), after a proof of the factor. */
export async function renewRecoveryCodes(
  uid: string,
  input: FactorProof & { readonly clientNetwork?: string | undefined; readonly language: Language },
  deps: SecondFactorDeps,
): Promise<{ readonly recoveryCodes: readonly string[] }> {
  const account = await existing(uid, deps);
  const factor = account.secondFactor;
  if (factor === null) throw mfaNotEnabled();
  await requireSecondFactor(account, input, input, deps);
  const recoveryCodes = newRecoveryCodes();
  const recoveryDigests = digestsOf(uid, recoveryCodes, deps);
  const renewed = await deps.accounts.updateSecondFactor(account.emailKey, (current) => {
    const stored = current?.uid === uid ? current.secondFactor : null;
    if (stored === null || stored.sealedSecret !== factor.sealedSecret) return { result: false };
    return { result: true, factor: { ...stored, recoveryDigests } };
  });
  if (!renewed) throw mfaNotEnabled(); // turned off meanwhile
  deps.events.security({ event: "recovery_codes_renewed", uid });
  // Mailed: the owner's saved codes just died (someone holding the unlocked phone could do this).
  await notifyFactorChange("recovery_codes_renewed", account, input.language, deps);
  return { recoveryCodes };
}
