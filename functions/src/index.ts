/**
 * Entry point: declares the Cloud Functions of this codebase, nothing else.
 * - `auth`: every HTTP route (README, "API").
 * - `cleanupSessions`: daily deletion of expired refresh tokens and throttle counters.
 * - `onAuthUserDeleted`: forgets the server-only records of a user deleted outside the API.
 */
import { region } from "firebase-functions/v1";
import { defineSecret } from "firebase-functions/params";
import { onRequest } from "firebase-functions/v2/https";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { config } from "./config.js";
import { corsStep } from "./http/cors.js";
import { createHandler } from "./http/handler.js";
import { ROUTES } from "./http/routes.js";
import { runAuthUserDeleted, runSessionCleanup } from "./triggers.js";

const cfg = config();
const REGION = "us-central1";
// Keys the HMACs of document ids and refresh-token successors (config.ts, serverSecret). Secret Manager in
// production (`firebase functions:secrets:set AUTH_HMAC_KEY`), functions/.secret.local locally.
const AUTH_HMAC_KEY = defineSecret("AUTH_HMAC_KEY");

export const auth = onRequest(
  {
    region: REGION,
    invoker: "public",
    memory: "512MiB",
    cpu: 1,
    concurrency: 80,
    timeoutSeconds: 30,
    secrets: [AUTH_HMAC_KEY],
    // CORS is this backend's own (http/cors.ts). `false` also stops the Functions emulator
    // from wrapping the function in an allow-all CORS layer that production does not have.
    cors: false,
  },
  createHandler(ROUTES, corsStep(cfg.CORS_ORIGINS), cfg.CLIENT_IP_HOPS),
);

export const cleanupSessions = onSchedule({ schedule: "every 24 hours", region: REGION, timeoutSeconds: 540 }, runSessionCleanup);

// Auth deletion events exist only as 1st-gen triggers (2nd gen has blocking functions only).
export const onAuthUserDeleted = region(REGION)
  .runWith({ memory: "256MB" })
  .auth.user()
  .onDelete((user) => runAuthUserDeleted(user.uid));
