import { type App, getApps, initializeApp } from "firebase-admin/app";
import { type Auth, getAuth } from "firebase-admin/auth";
import { type Firestore, getFirestore } from "firebase-admin/firestore";

// The one place that initializes firebase-admin. On Cloud Functions the project and
// credentials come from the environment; under the emulators `FIREBASE_AUTH_EMULATOR_HOST`
// and `FIRESTORE_EMULATOR_HOST` redirect the clients. Clients are made once per instance.
let app: App | undefined;
let auth: Auth | undefined;
let firestore: Firestore | undefined;

function adminApp(): App {
  app ??= getApps()[0] ?? initializeApp();
  return app;
}

export function adminAuth(): Auth {
  auth ??= getAuth(adminApp());
  return auth;
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
