// Every endpoint under the `auth` function: path, method, who may call it, the body it takes, and
// the route function (http/routes/, one file per area) that calls the use case (domain/).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AlreadyVerifiedAnswer,
  AppleAssociationAnswer,
  AssetLinksAnswer,
  AuthAnswer,
  DeletedAnswer,
  DisabledAnswer,
  LoggedOutAnswer,
  MfaDisabledAnswer,
  MfaEnrollAnswer,
  MfaVerifiedAnswer,
  OpenApiAnswer,
  OthersEndedAnswer,
  PasskeyAnswer,
  PasskeyListAnswer,
  PasskeyOptionsAnswer,
  RecoveryCodesAnswer,
  SentAnswer,
  SessionEndedAnswer,
  SessionListAnswer,
  SignInAnswer,
  UserAnswer,
  UserListAnswer,
} from "./answers.js";
import type { RouteTable } from "./handler.js";
import { openApiDocument, servedFrom } from "./openapi.js";
import { type Route, route } from "./route.js";
import { changePasswordRoute, deleteAccountRoute, getMeRoute, updateMeRoute } from "./routes/account.js";
import { listUsersRoute, setDisabledRoute, setRoleRoute } from "./routes/admin.js";
import { adminEndSessionRoute, adminListSessionsRoute, endOthersRoute, endSessionRoute, listSessionsRoute } from "./routes/devices.js";
import { changeConfirmRoute, changeRequestRoute } from "./routes/email-change.js";
import { verifyConfirmRoute, verifyRequestRoute } from "./routes/email-verification.js";
import { loginCodeConfirmRoute, loginCodeRequestRoute } from "./routes/login-code.js";
import {
  appleAssociationRoute,
  assetLinksRoute,
  deletePasskeyRoute,
  listPasskeysRoute,
  passkeyLoginOptionsRoute,
  passkeyLoginVerifyRoute,
  passkeyRegisterOptionsRoute,
  passkeyRegisterVerifyRoute,
} from "./routes/passkeys.js";
import { resetConfirmRoute, resetRequestRoute } from "./routes/password-reset.js";
import {
  activateRoute,
  adminRemoveFactorRoute,
  disableRoute,
  enrollRoute,
  recoveryCodesRoute,
  verifyRoute,
} from "./routes/second-factor.js";
import { loginRoute, logoutRoute, refreshRoute, signupRoute } from "./routes/sessions.js";
import {
  ChangePasswordBody,
  CodeBody,
  DeleteAccountBody,
  DisableBody,
  EmailChangeRequestBody,
  FactorProofBody,
  ListUsersQuery,
  LoginBody,
  LoginCodeConfirmBody,
  LoginCodeRequestBody,
  LogoutBody,
  MfaActivateBody,
  MfaDisableBody,
  MfaEnrollBody,
  MfaVerifyBody,
  NoBody,
  PasskeyLoginBody,
  PasskeyParams,
  PasskeyRegisterBody,
  RefreshBody,
  ResetConfirmBody,
  ResetRequestBody,
  RoleBody,
  SessionParams,
  SignupBody,
  UidParams,
  UpdateMeBody,
  UserSessionParams,
} from "./schemas.js";

// The answers and error codes of each route are what the OpenAPI document says (openapi.ts) and
// what the emulator tests hold every answer to (answers.ts).
const SIGNED_IN = ["unauthenticated"] as const;
const MAILS = ["too_many_requests"] as const;
/** Step-up: acts that need a proof of the second factor from a user who has one. */
const STEP_UP = ["second_factor_required", "invalid_code"] as const;

const updateMe = route({
  auth: "token",
  body: UpdateMeBody,
  run: updateMeRoute,
  doc: {
    name: "updateMe",
    summary: "Change the display name and/or photo URL",
    answers: { 200: UserAnswer },
    errors: [...SIGNED_IN, "not_found"],
  },
});
const endSession = route({
  auth: "token",
  body: NoBody,
  params: SessionParams,
  run: endSessionRoute,
  doc: {
    name: "endSession",
    summary: "End one of your sessions (a signed-in device): its refresh token and its Firebase session; your own is a logout",
    answers: { 200: SessionEndedAnswer },
    errors: [...SIGNED_IN, "not_found"],
  },
});
const deletePasskey = route({
  auth: "token",
  body: NoBody,
  params: PasskeyParams,
  run: deletePasskeyRoute,
  doc: {
    name: "deletePasskey",
    summary: "Delete one of your passkeys (it signs in no more)",
    answers: { 200: DeletedAnswer },
    errors: [...SIGNED_IN, "not_found"],
  },
});
/** What a registration can refuse (no counter nor known credential yet). */
const PASSKEY_REGISTRATION_REFUSALS = [
  "passkey_challenge_invalid",
  "passkey_origin_mismatch",
  "passkey_rp_mismatch",
  "passkey_invalid",
] as const;
/** What adding a passkey asks of the caller (domain/passkeys.ts, requireStepUp). */
const PASSKEY_STEP_UP = ["email_not_verified", "recent_sign_in_required", "second_factor_required"] as const;
/** The refusals of a passkey ceremony (domain/passkeys.ts), each its own code. */
const PASSKEY_REFUSALS = [
  "passkey_challenge_invalid",
  "passkey_origin_mismatch",
  "passkey_rp_mismatch",
  "passkey_counter_regressed",
  "passkey_unknown",
  "passkey_invalid",
] as const;
const adminEndSession = route({
  auth: "admin",
  body: NoBody,
  params: UserSessionParams,
  run: adminEndSessionRoute,
  doc: {
    name: "adminEndSession",
    summary: "End one session of a user (administrators)",
    answers: { 200: SessionEndedAnswer },
    errors: [...SIGNED_IN, "forbidden", "not_found"],
  },
});
// A retry after a lost answer comes with the token the act itself ended (domain/account.ts):
// its session (the deletion's first step) or its user (the last); the password is checked again.
const deleteAccount = route({
  auth: "token",
  acceptEnded: ["user_deleted", "session_ended"],
  body: DeleteAccountBody,
  run: deleteAccountRoute,
  doc: {
    name: "deleteAccount",
    summary:
      "Delete the account (password required; and code or recovery_code with a second factor): users/{uid}, sessions, the Firebase user",
    answers: { 200: DeletedAnswer },
    errors: [...SIGNED_IN, "invalid_credentials", "forbidden", ...STEP_UP, "too_many_requests"],
  },
});

/** The version of this backend (functions/package.json), in the OpenAPI document's info.version. */
export const VERSION: string = (JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string })
  .version;

/** The same route under a second method or path, with its own name in the OpenAPI document. */
const alias = (original: Route, name: string, summary: string): Route => ({ ...original, doc: { ...original.doc, name, summary } });

// Made once per instance, at its first request (fixed per deploy).
let openApi: ReturnType<typeof openApiDocument> | undefined;

export const ROUTES: RouteTable = {
  "/openapi.json": {
    GET: route({
      auth: "none",
      // Opened by the builder in a browser to import it: no app, no token.
      appCheck: { mode: "off" },
      body: NoBody,
      run: async ({ baseUrl }) => {
        openApi ??= openApiDocument(ROUTES, VERSION);
        return { status: 200, body: servedFrom(openApi, baseUrl) };
      },
      doc: {
        name: "openapi",
        summary: "This document (OpenAPI 3.0), for FlutterFlow's API-call import",
        answers: { 200: OpenApiAnswer },
        errors: [],
      },
    }),
  },
  "/signup": {
    POST: route({
      auth: "none",
      appCheck: { replayProtected: true },
      body: SignupBody,
      run: signupRoute,
      doc: {
        name: "signup",
        summary: "Create an account and sign in",
        answers: { 201: AuthAnswer },
        errors: ["weak_password", "email_exists", "email_not_verified", "too_many_requests"],
      },
    }),
  },
  "/login": {
    POST: route({
      auth: "none",
      appCheck: { replayProtected: true },
      body: LoginBody,
      run: loginRoute,
      doc: {
        name: "login",
        summary:
          "Sign in with email and password (and `code` when REQUIRE_VERIFIED_EMAIL asks for it); an account with a second factor answers `mfa_required` and an `mfa_token` for POST /mfa/verify",
        answers: { 200: SignInAnswer },
        errors: ["invalid_credentials", "email_not_verified", "invalid_code", "too_many_requests"],
      },
    }),
  },
  "/refresh": {
    POST: route({
      auth: "none",
      body: RefreshBody,
      run: refreshRoute,
      doc: {
        name: "refresh",
        summary: "Exchange a refresh token for a new login body (single use)",
        answers: { 200: AuthAnswer },
        errors: ["invalid_refresh_token", "refresh_token_reused", "email_not_verified"],
      },
    }),
  },
  "/logout": {
    POST: route({
      auth: "none",
      body: LogoutBody,
      run: logoutRoute,
      doc: { name: "logout", summary: "End this session (or every session: all_devices)", answers: { 200: LoggedOutAnswer }, errors: [] },
    }),
  },
  "/me": {
    GET: route({
      auth: "token",
      body: NoBody,
      run: getMeRoute,
      doc: { name: "me", summary: "The signed-in account", answers: { 200: UserAnswer }, errors: [...SIGNED_IN, "not_found"] },
    }),
    PATCH: updateMe,
    POST: alias(updateMe, "updateMeViaPost", "Same as updateMe (PATCH /me), for clients that cannot send PATCH"),
    DELETE: alias(
      deleteAccount,
      "deleteAccountViaDelete",
      "Same as deleteAccount (POST /account/delete), for clients that send a body with DELETE (FlutterFlow documents bodies for POST, PUT and PATCH only)",
    ),
  },
  "/password/reset/request": {
    POST: route({
      auth: "none",
      appCheck: { replayProtected: true },
      body: ResetRequestBody,
      run: resetRequestRoute,
      doc: {
        name: "resetRequest",
        summary: "Mail a password reset code (the same answer for any email)",
        answers: { 202: SentAnswer },
        errors: [...MAILS],
      },
    }),
  },
  "/password/reset/confirm": {
    POST: route({
      auth: "none",
      appCheck: { replayProtected: true },
      body: ResetConfirmBody,
      run: resetConfirmRoute,
      doc: {
        name: "resetConfirm",
        summary: "Set a new password with the mailed code, and sign in (or `mfa_required`: an account with a second factor)",
        answers: { 200: SignInAnswer },
        errors: ["invalid_code", "weak_password", "too_many_requests"],
      },
    }),
  },
  "/login/code/request": {
    POST: route({
      auth: "none",
      appCheck: { replayProtected: true },
      body: LoginCodeRequestBody,
      run: loginCodeRequestRoute,
      doc: {
        name: "loginCodeRequest",
        summary: "Mail a sign-in code, no password (the same answer for any email)",
        answers: { 202: SentAnswer },
        errors: [...MAILS, "not_found"],
      },
    }),
  },
  "/login/code/confirm": {
    POST: route({
      auth: "none",
      appCheck: { replayProtected: true },
      body: LoginCodeConfirmBody,
      run: loginCodeConfirmRoute,
      doc: {
        name: "loginCodeConfirm",
        summary: "Sign in with the mailed code (or `mfa_required`: an account with a second factor)",
        answers: { 200: SignInAnswer },
        errors: ["invalid_code", "too_many_requests", "not_found"],
      },
    }),
  },
  "/email/verify/request": {
    POST: route({
      auth: "token",
      body: NoBody,
      run: verifyRequestRoute,
      doc: {
        name: "verifyRequest",
        summary: "Mail a verification code to the account's address",
        answers: { 202: SentAnswer, 200: AlreadyVerifiedAnswer },
        errors: [...SIGNED_IN, "not_found", ...MAILS],
      },
    }),
  },
  "/email/verify/confirm": {
    POST: route({
      auth: "token",
      body: CodeBody,
      run: verifyConfirmRoute,
      doc: {
        name: "verifyConfirm",
        summary: "Confirm the address with the mailed code",
        answers: { 200: UserAnswer },
        errors: [...SIGNED_IN, "not_found", "invalid_code", "too_many_requests"],
      },
    }),
  },
  "/email/change/request": {
    POST: route({
      auth: "token",
      body: EmailChangeRequestBody,
      run: changeRequestRoute,
      doc: {
        name: "emailChangeRequest",
        summary: "Mail a code to a new address (password required; and code or recovery_code with a second factor)",
        answers: { 202: SentAnswer },
        errors: [...SIGNED_IN, "not_found", "invalid_credentials", ...STEP_UP, ...MAILS],
      },
    }),
  },
  "/email/change/confirm": {
    POST: route({
      auth: "token",
      body: CodeBody,
      run: changeConfirmRoute,
      doc: {
        name: "emailChangeConfirm",
        summary: "Move the account to the new address with the mailed code, and sign in afresh",
        answers: { 200: AuthAnswer },
        errors: [...SIGNED_IN, "not_found", "invalid_code", "email_exists", "too_many_requests"],
      },
    }),
  },
  "/password/change": {
    POST: route({
      auth: "token",
      acceptEnded: ["revoked", "session_ended"],
      body: ChangePasswordBody,
      run: changePasswordRoute,
      doc: {
        name: "changePassword",
        summary: "Change the password (every other session ends) and sign in afresh; code or recovery_code with a second factor",
        answers: { 200: AuthAnswer },
        errors: [...SIGNED_IN, "not_found", "invalid_credentials", "weak_password", "email_not_verified", ...STEP_UP, "too_many_requests"],
      },
    }),
  },
  "/account/delete": { POST: deleteAccount },
  "/mfa/totp/enroll": {
    POST: route({
      auth: "token",
      body: MfaEnrollBody,
      run: enrollRoute,
      doc: {
        name: "mfaEnroll",
        summary:
          "Start an authenticator-app setup (a verified address; password required): the secret and its otpauth:// URL for a QR code",
        answers: { 200: MfaEnrollAnswer },
        errors: [...SIGNED_IN, "not_found", "email_not_verified", "invalid_credentials", "mfa_already_enabled", "too_many_requests"],
      },
    }),
  },
  "/mfa/totp/activate": {
    POST: route({
      auth: "token",
      body: MfaActivateBody,
      run: activateRoute,
      doc: {
        name: "mfaActivate",
        summary: "Confirm the setup with a code from the app: the second factor is on; answers the recovery codes, once",
        answers: { 200: RecoveryCodesAnswer },
        errors: [...SIGNED_IN, "not_found", "invalid_code", "mfa_already_enabled", "mfa_enrollment_expired", "too_many_requests"],
      },
    }),
  },
  "/mfa/verify": {
    POST: route({
      auth: "none",
      body: MfaVerifyBody,
      run: verifyRoute,
      doc: {
        name: "mfaVerify",
        summary: "The second step of a sign-in: the mfa_token of login with a code from the app or a recovery code",
        answers: { 200: MfaVerifiedAnswer },
        errors: ["invalid_mfa_token", "invalid_code", "too_many_requests"],
      },
    }),
  },
  "/mfa/totp/disable": {
    POST: route({
      auth: "token",
      body: MfaDisableBody,
      run: disableRoute,
      doc: {
        name: "mfaDisable",
        summary: "Turn the second factor off (password, and code or recovery_code); its recovery codes die",
        answers: { 200: MfaDisabledAnswer },
        errors: [...SIGNED_IN, "not_found", "invalid_credentials", "mfa_not_enabled", ...STEP_UP, "too_many_requests"],
      },
    }),
  },
  "/mfa/recovery-codes": {
    POST: route({
      auth: "token",
      body: FactorProofBody,
      run: recoveryCodesRoute,
      doc: {
        name: "mfaRecoveryCodes",
        summary: "A new set of recovery codes (code or recovery_code); the old ones die",
        answers: { 200: RecoveryCodesAnswer },
        errors: [...SIGNED_IN, "not_found", "mfa_not_enabled", ...STEP_UP, "too_many_requests"],
      },
    }),
  },
  "/sessions": {
    GET: route({
      auth: "token",
      body: NoBody,
      run: listSessionsRoute,
      doc: {
        name: "listSessions",
        summary: "Your signed-in devices, newest first (`current`: this one)",
        answers: { 200: SessionListAnswer },
        errors: [...SIGNED_IN, "not_found"],
      },
    }),
  },
  // Before "/sessions/:id": the router takes the first pattern that matches.
  "/sessions/revoke-others": {
    POST: route({
      auth: "token",
      body: NoBody,
      run: endOthersRoute,
      doc: {
        name: "endOtherSessions",
        summary: "End every session but this one (sign out all other devices)",
        answers: { 200: OthersEndedAnswer },
        errors: [...SIGNED_IN, "not_found"],
      },
    }),
  },
  "/sessions/:id": { DELETE: endSession },
  "/sessions/:id/revoke": {
    POST: alias(endSession, "endSessionViaPost", "Same as endSession (DELETE /sessions/{id}), as a POST"),
  },
  "/passkeys/register/options": {
    POST: route({
      auth: "token",
      body: NoBody,
      run: passkeyRegisterOptionsRoute,
      doc: {
        name: "passkeyRegisterOptions",
        summary: "WebAuthn creation options for a new passkey of yours, and the challenge_id to send back",
        answers: { 200: PasskeyOptionsAnswer },
        errors: [...SIGNED_IN, "not_found", ...PASSKEY_STEP_UP, "forbidden"],
      },
    }),
  },
  "/passkeys/register/verify": {
    POST: route({
      auth: "token",
      body: PasskeyRegisterBody,
      run: passkeyRegisterVerifyRoute,
      doc: {
        name: "passkeyRegisterVerify",
        summary: "Register the passkey the device made (its registration response), and mail a notice",
        answers: { 201: PasskeyAnswer },
        errors: [...SIGNED_IN, "not_found", ...PASSKEY_STEP_UP, ...PASSKEY_REGISTRATION_REFUSALS, "passkey_exists", "forbidden"],
      },
    }),
  },
  "/passkeys/login/options": {
    POST: route({
      auth: "none",
      body: NoBody,
      run: passkeyLoginOptionsRoute,
      doc: {
        name: "passkeyLoginOptions",
        summary: "WebAuthn request options for a passkey sign-in (no email: the device offers its passkeys), and the challenge_id",
        answers: { 200: PasskeyOptionsAnswer },
        errors: ["not_found"],
      },
    }),
  },
  "/passkeys/login/verify": {
    POST: route({
      auth: "none",
      appCheck: { replayProtected: true },
      body: PasskeyLoginBody,
      run: passkeyLoginVerifyRoute,
      doc: {
        name: "passkeyLoginVerify",
        summary: "Sign in with a passkey (its authentication response): the login body, or `mfa_required`",
        answers: { 200: SignInAnswer },
        errors: ["not_found", ...PASSKEY_REFUSALS, "email_not_verified", "too_many_requests"],
      },
    }),
  },
  "/passkeys": {
    GET: route({
      auth: "token",
      body: NoBody,
      run: listPasskeysRoute,
      doc: {
        name: "listPasskeys",
        summary: "Your passkeys, oldest first",
        answers: { 200: PasskeyListAnswer },
        errors: [...SIGNED_IN, "not_found"],
      },
    }),
  },
  // After the literal /passkeys/... patterns: the router takes the first pattern that matches.
  "/passkeys/:id": { DELETE: deletePasskey },
  "/passkeys/:id/delete": {
    POST: alias(deletePasskey, "deletePasskeyViaPost", "Same as deletePasskey (DELETE /passkeys/{id}), as a POST"),
  },
  // Served for the builder's hosting to proxy from PASSKEY_RP_ID's domain (docs/flutterflow.md,
  // "Passkeys"): fetched by the phone's OS, which sends no App Check token.
  "/.well-known/assetlinks.json": {
    GET: route({
      auth: "none",
      appCheck: { mode: "off" },
      body: NoBody,
      run: assetLinksRoute,
      doc: {
        name: "assetLinks",
        summary: "Digital Asset Links: the Android apps that may use this server's passkeys (PASSKEY_ANDROID_PACKAGES)",
        answers: { 200: AssetLinksAnswer },
        errors: ["not_found"],
      },
    }),
  },
  "/.well-known/apple-app-site-association": {
    GET: route({
      auth: "none",
      appCheck: { mode: "off" },
      body: NoBody,
      run: appleAssociationRoute,
      doc: {
        name: "appleAppSiteAssociation",
        summary: "webcredentials: the iOS apps that may use this server's passkeys (PASSKEY_APPLE_APP_IDS)",
        answers: { 200: AppleAssociationAnswer },
        errors: ["not_found"],
      },
    }),
  },
  "/admin/users": {
    GET: route({
      auth: "admin",
      body: NoBody,
      query: ListUsersQuery,
      run: listUsersRoute,
      doc: {
        name: "adminListUsers",
        summary: "A page of users, oldest first, or those whose email starts with email_prefix (administrators)",
        answers: { 200: UserListAnswer },
        errors: [...SIGNED_IN, "forbidden"],
      },
    }),
  },
  "/admin/users/:uid/sessions": {
    GET: route({
      auth: "admin",
      body: NoBody,
      params: UidParams,
      run: adminListSessionsRoute,
      doc: {
        name: "adminListSessions",
        summary: "A user's signed-in devices, newest first (administrators)",
        answers: { 200: SessionListAnswer },
        errors: [...SIGNED_IN, "forbidden", "not_found"],
      },
    }),
  },
  "/admin/users/:uid/sessions/:id": { DELETE: adminEndSession },
  "/admin/users/:uid/sessions/:id/revoke": {
    POST: alias(adminEndSession, "adminEndSessionViaPost", "Same as adminEndSession (DELETE), as a POST"),
  },
  "/admin/users/:uid/role": {
    POST: route({
      auth: "admin",
      body: RoleBody,
      params: UidParams,
      run: setRoleRoute,
      doc: {
        name: "adminSetRole",
        summary: "Set a user's role_id (administrators)",
        answers: { 200: UserAnswer },
        errors: [...SIGNED_IN, "forbidden", "not_found"],
      },
    }),
  },
  "/admin/users/:uid/mfa/disable": {
    POST: route({
      auth: "admin",
      body: NoBody,
      params: UidParams,
      run: adminRemoveFactorRoute,
      doc: {
        name: "adminRemoveFactor",
        summary: "Remove a user's second factor and recovery codes (administrators; a user who lost both)",
        answers: { 200: MfaDisabledAnswer },
        errors: [...SIGNED_IN, "forbidden", "not_found"],
      },
    }),
  },
  "/admin/users/:uid/disable": {
    POST: route({
      auth: "admin",
      body: DisableBody,
      params: UidParams,
      run: setDisabledRoute,
      doc: {
        name: "adminSetDisabled",
        summary: "Disable or enable a user (administrators)",
        answers: { 200: DisabledAnswer },
        errors: [...SIGNED_IN, "forbidden", "not_found"],
      },
    }),
  },
};
