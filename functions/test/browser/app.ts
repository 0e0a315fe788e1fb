// The page's script (bundled by esbuild in browser.emulator.test.ts): what a FlutterFlow web build
// does - API calls with fetch from the page's origin (CORS), then the Firebase JS SDK's
// signInWithCustomToken against the Auth emulator, then a signed-in call with the ID token.
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithCustomToken } from "firebase/auth";

interface FlowInput {
  readonly apiUrl: string;
  readonly authEmulator: string;
  readonly projectId: string;
  readonly email: string;
  readonly password: string;
}

async function call(url: string, init: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function flow(input: FlowInput) {
  const json = { "Content-Type": "application/json" };
  const signup = await call(`${input.apiUrl}/signup`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ email: input.email, password: input.password }),
  });
  const login = await call(`${input.apiUrl}/login`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ email: input.email, password: input.password }),
  });
  const app = initializeApp({ apiKey: "fake-api-key", projectId: input.projectId, authDomain: "localhost" });
  const auth = getAuth(app);
  connectAuthEmulator(auth, input.authEmulator, { disableWarnings: true });
  const credential = await signInWithCustomToken(auth, String(login.body.jwt_token));
  const idToken = await credential.user.getIdToken();
  const me = await call(`${input.apiUrl}/me`, { headers: { Authorization: `Bearer ${idToken}` } });
  return { signup: signup.status, login: login.status, uid: credential.user.uid, email: credential.user.email, me };
}

/** From a page the API does not allow: the browser itself refuses to hand over the answer. */
async function refused(input: FlowInput): Promise<string> {
  try {
    await fetch(`${input.apiUrl}/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: input.email, password: input.password }),
    });
    return "answered";
  } catch (error) {
    return error instanceof TypeError ? "blocked" : `other: ${String(error)}`;
  }
}

Object.assign(globalThis, { flow, refused });
