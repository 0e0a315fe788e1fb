import { type App, cert, getApps, initializeApp } from "firebase-admin/app";
import { type AppCheck, getAppCheck } from "firebase-admin/app-check";
import { type Auth, getAuth } from "firebase-admin/auth";
import { type Firestore, getFirestore } from "firebase-admin/firestore";
import type { SigningKey } from "./config.js";

// The one place that initializes firebase-admin. On Cloud Functions the project and
// credentials come from the environment; under the emulators `FIREBASE_AUTH_EMULATOR_HOST`
// and `FIRESTORE_EMULATOR_HOST` redirect the clients. Clients are made once per instance.
let app: App | undefined;
let auth: Auth | undefined;
let firestore: Firestore | undefined;
let signing: Auth | undefined;
let appCheck: AppCheck | undefined;

/** firebase-admin's name for the app initializeApp() makes without a name. */
const DEFAULT_APP = "[DEFAULT]";
/** The app that only signs custom tokens, with TOKEN_SIGNING=key. */
const SIGNING_APP = "token-signing";

function adminApp(): App {
  // By name: with TOKEN_SIGNING=key the signing app may have been made first.
  app ??= getApps().find((a) => a.name === DEFAULT_APP) ?? initializeApp();
  return app;
}

export function adminAuth(): Auth {
  auth ??= getAuth(adminApp());
  return auth;
}

/**
 * Custom tokens signed locally with a service account key (TOKEN_SIGNING=key, config.ts
 * tokenSigningKey): firebase-admin's `cert()` credential makes `createCustomToken` sign with
 * RS256 in this process, with no call to IAM's `signBlob`.
 *
 * A second, named app rather than the default app initialized with the key: the default app
 * keeps the runtime service account's own credentials for every Firestore and Auth call, so the
 * key's service account needs no role at all (a custom token only needs its private key:
 * Firebase checks the signature against the account's published public keys). A leaked key can
 * then sign custom tokens (sign in as anyone, as any such key can) but opens no Firestore or
 * admin API by itself. Only `createCustomToken` of this app is used; it makes no
 * network call (its credential would fetch an access token only for an API call, and none is
 * made). Under the Auth emulator it mints unsigned tokens, as the default app does.
 */
export function signingAuth(key: SigningKey): Pick<Auth, "createCustomToken"> {
  signing ??= getAuth(
    getApps().find((a) => a.name === SIGNING_APP) ?? initializeApp({ credential: cert({ ...key }), projectId: key.projectId }, SIGNING_APP),
  );
  return signing;
}

export function adminFirestore(): Firestore {
  if (firestore === undefined) {
    firestore = getFirestore(adminApp());
    firestore.settings({
      // Optional fields are left out rather than written as null or undefined.
      ignoreUndefinedProperties: true,
      // gRPC waits longer and longer between reconnection attempts while Firestore is out of
      // reach (up to 120 s): after a one-minute outage this instance kept failing for another
      // 20 s. Capped at 1 s, it serves again within about a second of Firestore's return
      // (measured on the emulator: docs/security.md, "Outages and retries").
      grpcOptions: { "grpc.initial_reconnect_backoff_ms": 500, "grpc.max_reconnect_backoff_ms": 1000 },
    });
  }
  return firestore;
}

/** firebase-admin's App Check, for consuming limited-use tokens (adapters/app-check-tokens.ts). */
export function adminAppCheck(): Pick<AppCheck, "verifyToken"> {
  appCheck ??= getAppCheck(adminApp());
  return appCheck;
}
