import { getApps, initializeApp, type App } from "firebase-admin/app";
import { getAuth, type Auth } from "firebase-admin/auth";
import { getFirestore, type Firestore } from "firebase-admin/firestore";

/**
 * The one place that initializes firebase-admin. On Cloud Functions the project and
 * credentials come from the environment; under the emulators `FIREBASE_AUTH_EMULATOR_HOST`
 * and `FIRESTORE_EMULATOR_HOST` redirect the clients. Clients are made once per instance.
 */
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
    // Optional fields are left out rather than written as null or undefined.
    firestore.settings({ ignoreUndefinedProperties: true });
  }
  return firestore;
}
