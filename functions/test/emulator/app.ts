import { deleteApp, type FirebaseApp, initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithCustomToken } from "firebase/auth";
import { connectFirestoreEmulator, doc, type Firestore, getDoc, getFirestore, setLogLevel } from "firebase/firestore";
import { AUTH_HOST, bearer, FIRESTORE_HOST, FIRESTORE_MODE, PROJECT_ID, send } from "./helpers.js";

// The app's side of the emulator tests: a Firebase JS SDK app signed in with a custom token
// exactly as FlutterFlow's "Log In (JWT Token)" does, against the stack's Auth emulator and its
// Firestore with the rules loaded; and what such an app reaches.

export interface SignedInApp {
  readonly uid: string;
  /** Its Firebase ID token (FlutterFlow's currentJwtToken). */
  readonly idToken: string;
  readonly firestore: Firestore;
}

const apps: FirebaseApp[] = [];

/**
 * A `before` hook for the tests that need the rules evaluated: on the offline stand-in (which
 * ignores them) they are skipped - reported pending, announced loudly - never counted as passing.
 */
export function needsRules(what: string): (this: Mocha.Context) => void {
  return function (this: Mocha.Context) {
    if (FIRESTORE_MODE !== "real") {
      console.warn(`\n  !!! ${what} SKIPPED (pending): the offline stand-in does not evaluate rules.\n`);
      this.skip();
    }
    setLogLevel("silent"); // each denial would otherwise print a warning with a stack
  };
}

/** A Firebase JS SDK app signed in with `jwtToken`; `closeApps()` (in an afterEach) ends them. */
export async function appSignedIn(jwtToken: string): Promise<SignedInApp> {
  const app = initializeApp({ projectId: PROJECT_ID, apiKey: "fake-api-key" }, `app-${Date.now()}-${Math.random()}`);
  apps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${AUTH_HOST}`, { disableWarnings: true });
  const credential = await signInWithCustomToken(auth, jwtToken);
  const firestore = getFirestore(app);
  const [host, port] = FIRESTORE_HOST.split(":");
  connectFirestoreEmulator(firestore, host ?? "127.0.0.1", Number(port));
  return { uid: credential.user.uid, idToken: await credential.user.getIdToken(), firestore };
}

export async function closeApps(): Promise<void> {
  await Promise.all(apps.splice(0).map((app) => deleteApp(app)));
}

/** What the app reaches: this API (`GET /me`) and its own users/{uid} under the rules. */
export async function reach(app: SignedInApp): Promise<{ api: number; rules: "allowed" | "denied" }> {
  const api = (await send("/me", { method: "GET", headers: bearer(app.idToken) })).status;
  const rules = await getDoc(doc(app.firestore, "users", app.uid)).then(
    () => "allowed" as const,
    (error: unknown) => {
      if (String((error as { code?: unknown }).code) !== "permission-denied") throw error;
      return "denied" as const;
    },
  );
  return { api, rules };
}
