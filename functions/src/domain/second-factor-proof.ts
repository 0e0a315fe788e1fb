// The check of a second factor (issue 24), shared by the two-step sign-in (second-factor.ts) and
// the acts that need a code from a user who has a factor - step-up: changing the password or
// the email, deleting the account, turning the factor off, new recovery codes (account.ts,
// email-change.ts, second-factor.ts). A proof is a code from the authenticator app (`code`) or a
// recovery code (`recovery_code`); either is checked under the login throttle's counters (a
// wrong one stays counted like a wrong password) and used up in a transaction on the credential:
// a code's step becomes the last used one (no replay, even by two requests at once), a recovery
// code is removed (single use).
import { AppError, invalidRequest } from "../errors.js";
import type { Deps } from "./deps.js";
import { renderMail } from "./mail.js";
import type { Account, AuthMethod, Language, SecondFactor } from "./model.js";
import { canonicalRecoveryCode } from "./recovery-codes.js";
import { beginPasswordAttempt } from "./throttle.js";
import { matchTotp } from "./totp.js";

/** What the user typed: a code from the authenticator app, or a recovery code ("" counts as absent: an unbound FlutterFlow variable). */
export interface FactorProof {
  readonly code?: string | undefined;
  readonly recoveryCode?: string | undefined;
}

export type ProofDeps = Pick<Deps, "accounts" | "throttle" | "events" | "keys" | "clock" | "secrets" | "mailer" | "mail">;

/** A proof that matched the factor as read: the step of a code, or the digest of a recovery code. */
export type MatchedProof = { readonly kind: "totp"; readonly step: number } | { readonly kind: "recovery_code"; readonly digest: string };

export const secondFactorRequired = (): AppError =>
  new AppError(
    "second_factor_required",
    "This account is protected by a second factor: enter a code from your authenticator app or a recovery code.",
    { field: "code" },
  );

export const wrongFactorCode = (kind: MatchedProof["kind"]): AppError =>
  new AppError(
    "invalid_code",
    kind === "totp"
      ? "The code is incorrect or was already used. Enter the current code."
      : "The recovery code is incorrect or was already used.",
    { field: kind === "totp" ? "code" : "recovery_code" },
  );

/** The proof's kind, or null when none was sent; `invalid_request` when both were. */
export function proofKind(proof: FactorProof): MatchedProof["kind"] | null {
  const code = (proof.code ?? "") !== "";
  const recovery = (proof.recoveryCode ?? "") !== "";
  if (code && recovery) throw invalidRequest("recovery_code", "Send either code or recovery_code, not both.");
  return code ? "totp" : recovery ? "recovery_code" : null;
}

/** The proof checked against the factor as read (no write); null when it does not match. */
export function matchProof(
  account: Pick<Account, "uid">,
  factor: SecondFactor,
  proof: FactorProof,
  now: Date,
  deps: Pick<ProofDeps, "secrets" | "keys">,
): MatchedProof | null {
  if (proofKind(proof) === "totp") {
    const secret = deps.secrets.open(account.uid, factor.sealedSecret);
    const step = matchTotp(secret, (proof.code ?? "").trim(), now, factor.lastStep);
    return step === null ? null : { kind: "totp", step };
  }
  const canonical = canonicalRecoveryCode(proof.recoveryCode ?? "");
  if (canonical === null) return null;
  const digest = deps.keys.recoveryCode(account.uid, canonical);
  return factor.recoveryDigests.includes(digest) ? { kind: "recovery_code", digest } : null;
}

/**
 * The factor once `matched` is used up, from the factor as stored now; null when it cannot be:
 * the factor was removed or replaced, the code's step (or a later one) was used meanwhile, or
 * the recovery code is gone. Pure: run inside the store's transaction.
 */
export function usedUp(current: SecondFactor | null, checked: SecondFactor, matched: MatchedProof): SecondFactor | null {
  if (current === null || current.sealedSecret !== checked.sealedSecret) return null;
  if (matched.kind === "totp") {
    if (current.lastStep !== null && current.lastStep >= matched.step) return null;
    return { ...current, lastStep: matched.step };
  }
  if (!current.recoveryDigests.includes(matched.digest)) return null;
  return { ...current, recoveryDigests: current.recoveryDigests.filter((digest) => digest !== matched.digest) };
}

/** How a proof adds to a sign-in's methods: an authenticator code is `otp`; either is a second factor, `mfa`. */
export const methodsOf = (matched: MatchedProof): readonly AuthMethod[] => (matched.kind === "totp" ? ["otp", "mfa"] : ["mfa"]);

/** The mail and event of a used recovery code (best effort: the act stands). */
export async function recoveryCodeUsed(account: Account, remaining: number, language: Language, deps: ProofDeps): Promise<void> {
  deps.events.security({ event: "recovery_code_used", uid: account.uid, remaining });
  await deps.mailer
    .send(renderMail("recovery_code_used", language, account.email, { app: deps.mail.appName, remaining }))
    .catch((error: unknown) => deps.events.followUpFailed("notify_recovery_code_used", account.uid, error));
}

/**
 * Step-up: when the account has a second factor, a proof of it is required (403
 * `second_factor_required` without one; 400 `invalid_code` for a wrong or used one, counted by the
 * throttle), and is used up. Returns the methods the proof adds to a session made by the act
 * (none when the account has no factor: nothing is asked).
 */
export async function requireSecondFactor(
  account: Account,
  proof: FactorProof,
  context: { readonly clientNetwork?: string | undefined; readonly language: Language },
  deps: ProofDeps,
): Promise<readonly AuthMethod[]> {
  const factor = account.secondFactor;
  if (factor === null) return [];
  const kind = proofKind(proof);
  if (kind === null) throw secondFactorRequired();
  const now = deps.clock.now();
  const attempt = await beginPasswordAttempt(deps, account.emailKey, context.clientNetwork, now, account.sessionEpoch, {
    ignoreTrust: true,
  });
  const matched = matchProof(account, factor, proof, now, deps);
  if (matched === null) {
    deps.events.security({ event: "mfa_rejected", uid: account.uid, method: kind });
    throw wrongFactorCode(kind); // stays counted
  }
  const used = await deps.accounts.updateSecondFactor(account.emailKey, (current) => {
    const next = current === null || current.uid !== account.uid ? null : usedUp(current.secondFactor, factor, matched);
    return next === null ? { result: null } : { result: next, factor: next };
  });
  if (used === null) throw wrongFactorCode(kind); // used by another request meanwhile: stays counted
  await attempt.succeeded().catch((error: unknown) => deps.events.followUpFailed("reset_throttle", account.uid, error));
  if (matched.kind === "recovery_code") await recoveryCodeUsed(account, used.recoveryDigests.length, context.language, deps);
  return methodsOf(matched);
}
