// Passkeys (WebAuthn): a phone's or a browser's passkey signs in to the same custom token and
// users/{uid} as a password. Firebase's own passkeys reach neither Flutter apps nor custom-token
// users. The ceremony's cryptography (CBOR, COSE keys, attestation "none", signatures, flags) is
// @simplewebauthn/server's; this module holds the policy (docs/security.md, "Passkeys"):
//
// - Challenges are stateless until used: the options answer carries `challenge_id`, the challenge
//   sealed with its purpose, uid and expiry under the server's key (SecretBox), so asking for
//   options writes nothing (an unauthenticated route no one can fill Firestore through). A verify
//   marks its challenge used with a create() before anything else is checked - atomic across
//   instances: of two verifies of one challenge at most one goes on, and a body sent again is
//   passkey_challenge_invalid - and the mark expires with the challenge (5 minutes).
// - Every sign-in check is reserved on the login throttle before it is made (the account's
//   counters when the credential is known, the credential's own otherwise), and each refusal has
//   its stable code: passkey_challenge_invalid (unknown, expired or used challenge),
//   passkey_origin_mismatch, passkey_rp_mismatch, passkey_counter_regressed (a cloned
//   authenticator), passkey_unknown (unknown or deleted credential, disabled account), passkey_invalid.
// - User verification (biometrics, PIN) is recorded at each sign-in: a verified passkey is two
//   factors (`auth_methods` ["passkey", "mfa"]); without it, one (["passkey"]), and an account with
//   a second factor then answers mfa_required.
import { createHash, randomBytes } from "node:crypto";
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { AppError, type ErrorCode } from "../errors.js";
import { existing } from "./account.js";
import type { AuthResult, MfaRequired } from "./auth-result.js";
import type { Deps } from "./deps.js";
import { emailNotVerified } from "./email-verification.js";
import { renderMail } from "./mail.js";
import type { Account, AuthMethod, Language, Passkey } from "./model.js";
import { PRINTABLE_TEXT } from "./name.js";
import { sessionOrSecondStep } from "./second-factor.js";
import { beginPasswordAttempt } from "./throttle.js";

/** PASSKEY_* (config.ts). */
export interface PasskeySettings {
  /** The relying party id: the app's domain (`example.com`), which the Android and Apple associations name. */
  readonly rpId: string;
  readonly rpName: string;
  /** Where ceremonies may come from: web origins (`https://app.example.com`) and `android:apk-key-hash:...`. */
  readonly origins: readonly string[];
  /** Android apps allowed to use the RP's passkeys: package name and SHA-256 signing-certificate fingerprints. */
  readonly androidApps: readonly { readonly packageName: string; readonly fingerprints: readonly string[] }[];
  /** iOS apps (`TEAMID.bundle.id`) allowed to use them (`webcredentials`). */
  readonly appleAppIds: readonly string[];
}

export type PasskeyDeps = Pick<
  Deps,
  | "passkeys"
  | "passkeySettings"
  | "accounts"
  | "sessions"
  | "minter"
  | "clock"
  | "lifetimes"
  | "secrets"
  | "throttle"
  | "events"
  | "keys"
  | "challenges"
  | "mailer"
  | "mail"
  | "maxSessions"
  | "verification"
  | "sessions"
>;

/** How long a challenge works. */
export const CHALLENGE_SECONDS = 5 * 60;
/** The longest passkey name. */
const MAX_NAME = 64;
/** Passkeys one account may hold (a phone, a laptop, a security key or two, each renewed now and then). */
export const MAX_PASSKEYS = 20;

const refuse = (code: ErrorCode, message: string): AppError => new AppError(code, message);
const tooMany = (): AppError => new AppError("forbidden", `An account can have at most ${MAX_PASSKEYS} passkeys: delete one first.`);
const notSetUp = (): AppError => new AppError("not_found", "Passkeys are not set up on this server (PASSKEY_RP_ID).");

function settingsOf(deps: Pick<PasskeyDeps, "passkeySettings">): PasskeySettings {
  if (deps.passkeySettings === null) throw notSetUp();
  return deps.passkeySettings;
}

/** Our id of a passkey: the SHA-256 of its credential id (hex). */
export const passkeyIdOf = (credentialId: string): string => createHash("sha256").update(credentialId, "utf8").digest("hex");

type Purpose = "register" | "login";
/** The sealed challenge's binding: its purpose and, to register, the account. */
const bindingOf = (purpose: Purpose, uid: string | null) => `passkey-challenge:${purpose}:${uid ?? ""}`;

function sealChallenge(purpose: Purpose, uid: string | null, now: Date, deps: Pick<PasskeyDeps, "secrets">) {
  const challenge = randomBytes(32).toString("base64url");
  const expiresAt = now.getTime() + CHALLENGE_SECONDS * 1000;
  return { challenge, challengeId: deps.secrets.seal(bindingOf(purpose, uid), JSON.stringify({ c: challenge, e: expiresAt })) };
}

/** The challenge a `challenge_id` seals, when it is of this purpose and account and not expired; else null. */
function openChallenge(
  challengeId: string,
  purpose: Purpose,
  uid: string | null,
  now: Date,
  deps: Pick<PasskeyDeps, "secrets">,
): { challenge: string; expiresAt: Date } | null {
  try {
    const parsed: unknown = JSON.parse(deps.secrets.open(bindingOf(purpose, uid), challengeId));
    if (typeof parsed !== "object" || parsed === null || !("c" in parsed) || !("e" in parsed)) return null;
    const { c, e } = parsed;
    if (typeof c !== "string" || typeof e !== "number" || e <= now.getTime()) return null;
    return { challenge: c, expiresAt: new Date(e) };
  } catch {
    return null; // tampered, another purpose or account, another key
  }
}

/**
 * A library refusal, as its stable code. Read from the start of the library's message (or its
 * error code): the messages end with values the client sent (its challenge, its origin), which
 * must not decide the code.
 */
function refusalOf(error: unknown): { code: ErrorCode; reason: string } {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  const message = error instanceof Error ? error.message : "";
  const startsWith = (...prefixes: string[]) => prefixes.some((prefix) => message.startsWith(prefix));
  if (startsWith("Unexpected authentication response challenge", "Unexpected registration response challenge")) {
    return { code: "passkey_challenge_invalid", reason: "challenge" };
  }
  if (code === "UNEXPECTED_ORIGIN" || startsWith("Unexpected cross-origin", "Detected cross-origin", "Unexpected top origin")) {
    return { code: "passkey_origin_mismatch", reason: "origin" };
  }
  if (code === "UNEXPECTED_RP_ID") return { code: "passkey_rp_mismatch", reason: "rp_id" };
  if (startsWith("Response counter value")) return { code: "passkey_counter_regressed", reason: "counter" };
  return { code: "passkey_invalid", reason: "invalid" };
}

const MESSAGES: Readonly<Record<string, string>> = {
  passkey_challenge_invalid: "This passkey request has expired or was already used. Please try again.",
  passkey_origin_mismatch: "This passkey cannot be used from this app or site.",
  passkey_rp_mismatch: "This passkey belongs to another app or site.",
  passkey_counter_regressed: "This passkey looks copied and was refused. Use another sign-in method.",
  passkey_unknown: "This passkey is not registered here. Sign in another way.",
  passkey_invalid: "The passkey could not be verified. Please try again.",
};
const refusal = (code: ErrorCode): AppError => refuse(code, MESSAGES[code] ?? "The passkey was refused.");

// ---------------------------------------------------------------------------------------------
// Registration (signed in, recently, with every factor the account has)

/** The signed-in caller as registration needs it: whose, which session, by which methods. */
export interface PasskeyCaller {
  readonly uid: string;
  /** The session the ID token belongs to (its `sid` claim). */
  readonly sessionId: string | undefined;
  /** How that session signed in (its `auth_methods` claim). */
  readonly methods: readonly AuthMethod[];
}

/** How recent a sign-in must be to add a passkey (a new way in, as Firebase asks for "recent login"). */
export const RECENT_SIGN_IN_SECONDS = 10 * 60;

/**
 * A passkey is a lasting way in that counts as two factors: adding one needs more than a session
 * (a stolen ID token must not turn into one). The address proved; a sign-in (not a refresh) in
 * the last RECENT_SIGN_IN_SECONDS; and, for an account with a second factor, a session that proved
 * it (`mfa`).
 */
async function requireStepUp(account: Account, caller: PasskeyCaller, now: Date, deps: Pick<PasskeyDeps, "sessions">): Promise<void> {
  if (!account.emailVerified) throw emailNotVerified();
  const sessions = caller.sessionId === undefined ? [] : await deps.sessions.sessionsOf(account.uid, 500);
  const session = sessions.find((s) => s.sessionId === caller.sessionId && s.sessionEpoch === account.sessionEpoch);
  if (session === undefined || now.getTime() - session.createdAt.getTime() > RECENT_SIGN_IN_SECONDS * 1000) {
    throw new AppError("recent_sign_in_required", "Sign in again to add a passkey (your sign-in is more than 10 minutes old).");
  }
  if (account.secondFactor !== null && !caller.methods.includes("mfa")) {
    throw new AppError("second_factor_required", "Sign in with your second factor to add a passkey.");
  }
}

/** The account's passkeys that still sign in (of its current epoch). */
async function livePasskeys(account: Account, deps: Pick<PasskeyDeps, "passkeys">): Promise<Passkey[]> {
  return (await deps.passkeys.listOf(account.uid)).filter((passkey) => passkey.sessionEpoch === account.sessionEpoch);
}

/** POST /passkeys/register/options: the creation options for the signed-in account, and the sealed challenge. */
export async function passkeyRegistrationOptions(
  caller: PasskeyCaller,
  deps: PasskeyDeps,
): Promise<{ readonly options: PublicKeyCredentialCreationOptionsJSON; readonly challengeId: string }> {
  const settings = settingsOf(deps);
  const { uid } = caller;
  const account = await existing(uid, deps);
  const now = deps.clock.now();
  await requireStepUp(account, caller, now, deps);
  const mine = await livePasskeys(account, deps);
  if (mine.length >= MAX_PASSKEYS) throw tooMany();
  const { challenge, challengeId } = sealChallenge("register", uid, now, deps);
  const options = await generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpId,
    userName: account.email,
    userDisplayName: account.displayName === "" ? account.email : account.displayName,
    userID: new TextEncoder().encode(uid),
    challenge: Buffer.from(challenge, "base64url"),
    timeout: CHALLENGE_SECONDS * 1000,
    attestationType: "none",
    excludeCredentials: mine.map((passkey) => ({ id: passkey.credentialId, transports: transportsOf(passkey) })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
  });
  return { options, challengeId };
}

/** POST /passkeys/register/verify: stores the new passkey; a notice is mailed (a passkey is a way in). */
export async function registerPasskey(
  caller: PasskeyCaller,
  input: {
    readonly credential: RegistrationResponseJSON;
    readonly challengeId: string;
    readonly name?: string | undefined;
    readonly language: Language;
  },
  deps: PasskeyDeps,
): Promise<Passkey> {
  const settings = settingsOf(deps);
  // Before the ceremony is used up: a name that cannot be stored must not cost the new passkey.
  const name = nameOf(input.name);
  const { uid } = caller;
  const account = await existing(uid, deps);
  const now = deps.clock.now();
  await requireStepUp(account, caller, now, deps);
  const sealed = openChallenge(input.challengeId, "register", uid, now, deps);
  if (sealed === null) throw rejected("passkey_challenge_invalid", "challenge", deps, uid);
  if (!(await deps.passkeys.useChallenge(sealed.challenge, sealed.expiresAt))) {
    throw rejected("passkey_challenge_invalid", "challenge_reused", deps, uid);
  }
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response: input.credential,
      expectedChallenge: sealed.challenge,
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpId,
      requireUserVerification: false,
    });
  } catch (error) {
    const { code, reason } = refusalOf(error);
    throw rejected(code, reason, deps, uid);
  }
  if (!verification.verified) throw rejected("passkey_invalid", "invalid", deps, uid);
  const { credential, credentialBackedUp, userVerified } = verification.registrationInfo;
  // The credential the authenticator made is the one the response names, of a size WebAuthn allows.
  if (credential.id !== input.credential.id || Buffer.from(credential.id, "base64url").length > 1023) {
    throw rejected("passkey_invalid", "credential_id", deps, uid);
  }
  const passkey: Passkey = {
    id: passkeyIdOf(credential.id),
    credentialId: credential.id,
    uid,
    publicKey: Buffer.from(credential.publicKey).toString("base64url"),
    counter: credential.counter,
    transports: [...(credential.transports ?? input.credential.response.transports ?? [])],
    userVerified,
    backedUp: credentialBackedUp,
    name,
    createdAt: now,
    lastUsedAt: null,
    // The epoch read with the account: a reset or password change landing meanwhile leaves it dead.
    sessionEpoch: account.sessionEpoch,
  };
  const added = await deps.passkeys.add(passkey, MAX_PASSKEYS);
  if (added === "exists") throw new AppError("passkey_exists", "This passkey is registered already.");
  if (added === "full") throw tooMany();
  deps.events.security({ event: "passkey_added", uid, passkeyId: passkey.id });
  await deps.mailer
    .send(renderMail("passkey_added", input.language, account.email, { app: deps.mail.appName }))
    .catch((error: unknown) => deps.events.followUpFailed("notify_passkey_change", uid, error));
  return passkey;
}

function nameOf(raw: string | undefined): string {
  const name = (raw ?? "").normalize("NFC").trim();
  if (name === "") return "Passkey";
  if ([...name].length > MAX_NAME || !name.isWellFormed() || !PRINTABLE_TEXT.test(name)) {
    throw new AppError("invalid_request", `The field "name" must be printable text of at most ${MAX_NAME} characters.`, { field: "name" });
  }
  return name;
}

// ---------------------------------------------------------------------------------------------
// Sign-in (no email: discoverable credentials)

/** POST /passkeys/login/options: request options with no allowed credentials (the device offers its own) and the sealed challenge. */
export async function passkeyLoginOptions(
  deps: PasskeyDeps,
): Promise<{ readonly options: PublicKeyCredentialRequestOptionsJSON; readonly challengeId: string }> {
  const settings = settingsOf(deps);
  const { challenge, challengeId } = sealChallenge("login", null, deps.clock.now(), deps);
  const options = await generateAuthenticationOptions({
    rpID: settings.rpId,
    challenge: Buffer.from(challenge, "base64url"),
    timeout: CHALLENGE_SECONDS * 1000,
    userVerification: "preferred",
    allowCredentials: [],
  });
  return { options, challengeId };
}

/**
 * POST /passkeys/login/verify: the normal sign-in answer, or mfa_required (an account with a second
 * factor, and a passkey used without user verification). Reserved on the login throttle before
 * any check; a refusal stays counted, a success settles the counters as a password login does.
 */
export async function signInWithPasskey(
  input: {
    readonly credential: AuthenticationResponseJSON;
    readonly challengeId: string;
    readonly clientNetwork?: string | undefined;
    readonly device?: string | undefined;
  },
  deps: PasskeyDeps,
): Promise<AuthResult | MfaRequired> {
  const settings = settingsOf(deps);
  const now = deps.clock.now();
  const credentialId = input.credential.id;
  const passkey = await deps.passkeys.find(passkeyIdOf(credentialId));
  const account = passkey === null ? null : await deps.accounts.findByUid(passkey.uid);
  // The account's counters when the credential is known; the credential's own otherwise (its
  // network shard still counts a sprayer's distinct credentials).
  const throttleKey = account?.emailKey ?? deps.keys.throttle(["passkey", passkeyIdOf(credentialId)]);
  const attempt = await beginPasswordAttempt(deps, throttleKey, input.clientNetwork, now, account?.sessionEpoch ?? null);
  const uid = account?.uid;
  const sealed = openChallenge(input.challengeId, "login", null, now, deps);
  if (sealed === null) throw rejected("passkey_challenge_invalid", "challenge", deps, uid);
  // Used up by any verify that names it, before anything is checked: a body sent again is a
  // replay whatever else it would fail on (a counting authenticator's counter, say).
  if (!(await deps.passkeys.useChallenge(sealed.challenge, sealed.expiresAt))) {
    throw rejected("passkey_challenge_invalid", "challenge_reused", deps, uid);
  }
  // A disabled account, or a passkey of an epoch gone by (a password change or reset, an email
  // change since it was added), is refused before anything is checked or written, as an unknown one.
  if (passkey === null || account === null || account.disabled || passkey.sessionEpoch !== account.sessionEpoch) {
    throw rejected("passkey_unknown", "unknown", deps, uid);
  }
  const check = (counter: number) =>
    verifyAuthenticationResponse({
      response: input.credential,
      expectedChallenge: sealed.challenge,
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpId,
      credential: {
        id: passkey.credentialId,
        publicKey: Buffer.from(passkey.publicKey, "base64url"),
        counter,
        transports: transportsOf(passkey),
      },
      requireUserVerification: false,
    });
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await check(passkey.counter);
  } catch (error) {
    let { code, reason } = refusalOf(error);
    // The library compares the counter before the signature: a counter going back is a copied
    // authenticator only when the signature is the passkey's own.
    if (
      code === "passkey_counter_regressed" &&
      !(await check(0).then(
        (again) => again.verified,
        () => false,
      ))
    ) {
      ({ code, reason } = { code: "passkey_invalid", reason: "invalid" });
    }
    throw rejected(code, reason, deps, uid);
  }
  if (!verification.verified) throw rejected("passkey_invalid", "invalid", deps, uid);
  // The user handle, when the authenticator gives it, must be the account's (the passkey was made for it).
  const handle = input.credential.response.userHandle;
  if (handle !== undefined && handle !== "" && Buffer.from(handle, "base64url").toString("utf8") !== account.uid) {
    throw rejected("passkey_invalid", "user_handle", deps, uid);
  }
  const { newCounter, userVerified } = verification.authenticationInfo;
  if (!(await deps.passkeys.recordUse(passkey.id, { from: passkey.counter, to: newCounter, at: now }))) {
    // Another sign-in moved the counter meanwhile (or the passkey was deleted): one of the two is a copy, or gone.
    throw rejected(passkey.counter === 0 && newCounter === 0 ? "passkey_unknown" : "passkey_counter_regressed", "counter_race", deps, uid);
  }
  // REQUIRE_VERIFIED_EMAIL holds for every way in - answered only once the passkey proved itself
  // (before that, it would tell anyone holding a credential id the account's state).
  if (deps.verification.required && !account.emailVerified) throw emailNotVerified();
  // With user verification (biometrics, a PIN) the passkey is two factors; without, one.
  const methods: AuthMethod[] = userVerified ? ["passkey", "mfa"] : ["passkey"];
  return sessionOrSecondStep(account, attempt, { methods, secondFactorProved: userVerified, device: input.device }, deps);
}

function rejected(code: ErrorCode, reason: string, deps: Pick<PasskeyDeps, "events">, uid: string | undefined): AppError {
  deps.events.security({ event: "passkey_rejected", reason, ...(uid !== undefined && { uid }) });
  return refusal(code);
}

/** The transports WebAuthn names (the library's type); a stored or sent value outside it is dropped. */
const TRANSPORTS: readonly AuthenticatorTransport[] = ["ble", "hybrid", "internal", "nfc", "usb"];
export const isTransport = (value: string): value is AuthenticatorTransport => (TRANSPORTS as readonly string[]).includes(value);
const transportsOf = (passkey: Passkey): AuthenticatorTransport[] => passkey.transports.filter(isTransport);

// ---------------------------------------------------------------------------------------------
// The signed-in user's passkeys

/** GET /passkeys. */
export async function listPasskeys(uid: string, deps: Pick<PasskeyDeps, "passkeys" | "passkeySettings" | "accounts">): Promise<Passkey[]> {
  settingsOf(deps);
  return livePasskeys(await existing(uid, deps), deps);
}

/** DELETE /passkeys/{id}: `not_found` for an id the account does not have (foreign and made-up ids alike). */
export async function removePasskey(
  uid: string,
  id: string,
  input: { readonly language: Language },
  deps: Pick<PasskeyDeps, "passkeys" | "passkeySettings" | "events" | "accounts" | "mailer" | "mail">,
): Promise<void> {
  settingsOf(deps);
  if (!(await deps.passkeys.remove(uid, id))) throw new AppError("not_found", "There is no such passkey.");
  deps.events.security({ event: "passkey_removed", uid, passkeyId: id });
  const account = await deps.accounts.findByUid(uid);
  if (account === null) return;
  await deps.mailer
    .send(renderMail("passkey_removed", input.language, account.email, { app: deps.mail.appName }))
    .catch((error: unknown) => deps.events.followUpFailed("notify_passkey_change", uid, error));
}

// ---------------------------------------------------------------------------------------------
// The associations an app's passkeys need (served from the RP ID's domain by the builder's hosting)

/** GET /.well-known/assetlinks.json: Android apps that may use the RP's passkeys. */
export function assetLinks(deps: Pick<PasskeyDeps, "passkeySettings">): unknown[] {
  return settingsOf(deps).androidApps.map((app) => ({
    // Passkeys only: App Links (handle_all_urls) would be another grant, the builder's to make.
    relation: ["delegate_permission/common.get_login_creds"],
    target: { namespace: "android_app", package_name: app.packageName, sha256_cert_fingerprints: [...app.fingerprints] },
  }));
}

/** GET /.well-known/apple-app-site-association: iOS apps that may use them. */
export function appleAppSiteAssociation(deps: Pick<PasskeyDeps, "passkeySettings">): unknown {
  return { webcredentials: { apps: [...settingsOf(deps).appleAppIds] } };
}
