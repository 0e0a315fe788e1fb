// Entry point: declares the Cloud Functions of this codebase, nothing else. All are 2nd gen.
// - `auth`: every HTTP route (docs/api.md, "API").
// - `cleanupSessions`: daily deletion of expired documents (the fallback of the TTL policies).
// - `authUserDeleted`: forgets the server-only records of a user deleted outside the API.
import { defineInt, defineSecret, defineString } from "firebase-functions/params";
import { onRequest } from "firebase-functions/v2/https";
import { IS_NOT_TENANT, onUserDeleted } from "firebase-functions/v2/identity";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { config, LIMITS, servedFunction, tokenSigningKey } from "./config.js";
import { CLEANUP_TIMEOUT_SECONDS } from "./domain/housekeeping.js";
import { capBodyParsers } from "./http/body-cap.js";
import { corsStep } from "./http/cors.js";
import { createHandler } from "./http/handler.js";
import { outsideRequestDomain } from "./http/outside-domain.js";
import { ROUTES } from "./http/routes.js";
import { bodyCapNotApplied } from "./logs.js";
import { getDeps } from "./services.js";
import { runAuthUserDeleted, runSessionCleanup } from "./triggers.js";

const cfg = config();
// Now, before the Functions Framework builds its body parsers: the auth service reads at most
// the API's 8 KiB of a body (http/body-cap.ts). Only there: the triggers' event bodies may be larger.
if (servedFunction() === "auth" && capBodyParsers(LIMITS.maxBodyBytes) === 0) bodyCapNotApplied(LIMITS.maxBodyBytes);
// Where all three functions run: next to the project's Firestore database (README, "Deploy"). A
// deploy parameter (functions/.env), resolved by `firebase deploy` and the emulator alike.
const AUTH_REGION = defineString("AUTH_REGION", {
  default: "us-central1",
  description:
    "Region of the functions: the one of your Firestore database (nam5 -> us-central1, eur3 -> europe-west1, or the database's own region)",
});
// Keys the HMACs of document ids and refresh-token successors (config.ts, serverSecret). Secret Manager in
// production (`firebase functions:secrets:set AUTH_HMAC_KEY`), functions/.secret.local locally.
const AUTH_HMAC_KEY = defineSecret("AUTH_HMAC_KEY");
// The SMTP relay (config.ts, smtpUrl), bound only with MAIL_TRANSPORT=smtp in functions/.env, so
// that a project mailing through the "Trigger Email" extension is never asked for it.
const SMTP_URL = defineSecret("SMTP_URL");
// The custom-token signing key (config.ts, tokenSigningKey), bound only with TOKEN_SIGNING=key in
// functions/.env; checked as `auth` starts, so a bad key stops it (naming the variable) before it serves.
const TOKEN_SIGNING_KEY = defineSecret("TOKEN_SIGNING_KEY");
if (servedFunction() === "auth") tokenSigningKey(cfg.TOKEN_SIGNING);
// Deploy-time parameters (functions/.env, or asked by `firebase deploy`), not code edits.
// Each instance runs one CPU and up to 32 requests at once: 30-40 logins a second on the
// benchmark's machine (docs/benchmark.md, "Capacity": more in flight adds no throughput, only
// waiting inside the instance, which counts against each request's 15 s budget).
// The cap is what stops a flood of signups or logins from scaling hashing CPU, and the bill,
// without bound; raise it for a larger app (README, "Deploy").
const AUTH_MAX_INSTANCES = defineInt("AUTH_MAX_INSTANCES", {
  default: 10,
  description: "Most instances of the auth function (each: 1 CPU, 32 concurrent requests, 30-40 logins a second)",
});
const AUTH_MIN_INSTANCES = defineInt("AUTH_MIN_INSTANCES", {
  default: 0,
  description: "Instances of the auth function kept warm (billed while idle; 1 removes most cold starts)",
});

export const auth = onRequest(
  {
    region: AUTH_REGION,
    invoker: "public",
    memory: "512MiB",
    cpu: 1,
    concurrency: 32,
    timeoutSeconds: 30,
    maxInstances: AUTH_MAX_INSTANCES,
    minInstances: AUTH_MIN_INSTANCES,
    secrets: [
      AUTH_HMAC_KEY,
      ...(cfg.MAIL_TRANSPORT === "smtp" ? [SMTP_URL] : []),
      ...(cfg.TOKEN_SIGNING === "key" ? [TOKEN_SIGNING_KEY] : []),
    ],
    // CORS is this backend's own (http/cors.ts). `false` also stops the Functions emulator
    // from wrapping the function in an allow-all CORS layer that production does not have.
    cors: false,
  },
  outsideRequestDomain(createHandler(ROUTES, corsStep(cfg.CORS_ORIGINS), getDeps, cfg.CLIENT_IP_HOPS)),
);

export const cleanupSessions = onSchedule(
  { schedule: "every 24 hours", region: AUTH_REGION, timeoutSeconds: CLEANUP_TIMEOUT_SECONDS },
  runSessionCleanup,
);

// Firebase Auth's 2nd-gen event (Eventarc `google.firebase.auth.user.v2.deleted`), for users of
// the project itself: this backend never creates users in an Identity Platform tenant, so a
// tenant's deletions are not its business (IS_NOT_TENANT). The event carries the deleted user's
// record; only its uid is used. Retried on failure (Eventarc retries for up to a day): the
// clean-up is idempotent, and a credential left behind would keep the email taken and let a
// login mint a token that recreates the deleted Auth user.
export const authUserDeleted = onUserDeleted({ region: AUTH_REGION, memory: "256MiB", tenantId: IS_NOT_TENANT, retry: true }, (event) =>
  runAuthUserDeleted(event.data.uid),
);
