/**
 * Entry point: declares the Cloud Functions of this codebase, nothing else.
 * `auth` serves every route: POST /signup, /login, /refresh, /logout (see README, "API").
 */
import { onRequest } from "firebase-functions/v2/https";
import { config } from "./config.js";
import { corsStep } from "./http/cors.js";
import { createHandler } from "./http/handler.js";
import { ROUTES } from "./http/routes.js";

const cfg = config();

export const auth = onRequest(
  {
    region: "us-central1",
    invoker: "public",
    memory: "512MiB",
    cpu: 1,
    concurrency: 80,
    timeoutSeconds: 30,
    // CORS is this backend's own (http/cors.ts). `false` also stops the Functions emulator
    // from wrapping the function in an allow-all CORS layer that production does not have.
    cors: false,
  },
  createHandler(ROUTES, corsStep(cfg.CORS_ORIGINS)),
);
