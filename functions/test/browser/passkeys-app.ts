// The page's script for passkeys-browser.emulator.test.ts (bundled by esbuild): what a web build
// does with passkeys - the API over fetch from the page's origin (CORS), SimpleWebAuthn's browser
// helpers around the browser's own navigator.credentials.create/get (answered by a CDP virtual
// authenticator), and the Firebase JS SDK's signInWithCustomToken against the Auth emulator.
// Each step is its own function on `globalThis.passkeyPage`; the test puts them together.
import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import { type FirebaseApp, initializeApp } from "firebase/app";
import { type Auth, connectAuthEmulator, getAuth, signInWithCustomToken, signOut } from "firebase/auth";

export interface PageReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A WebAuthn call the browser refused: the DOMException's name, and SimpleWebAuthn's reading of it. */
export interface CeremonyError {
  readonly name: string;
  readonly code: string | null;
  readonly message: string;
  /** The browser's own exception (SimpleWebAuthn wraps it in `cause`). */
  readonly cause: { readonly name: string; readonly message: string } | null;
}

let firebase: { app: FirebaseApp; auth: Auth } | null = null;

function firebaseAuth(): Auth {
  if (firebase === null) throw new Error("init() first");
  return firebase.auth;
}

async function call(url: string, init: { method?: string; body?: unknown; idToken?: string }): Promise<PageReply> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  if (init.idToken !== undefined) headers.Authorization = `Bearer ${init.idToken}`;
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

function ceremonyError(error: unknown): CeremonyError {
  const cause = error instanceof Error && error.cause instanceof Error ? { name: error.cause.name, message: error.cause.message } : null;
  return {
    name: error instanceof Error ? error.name : typeof error,
    code: typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : null,
    message: error instanceof Error ? error.message : String(error),
    cause,
  };
}

/** The Firebase JS SDK, on the Auth emulator (once per page). */
async function init(input: { readonly authEmulator: string; readonly projectId: string }): Promise<void> {
  const app = initializeApp({ apiKey: "fake-api-key", projectId: input.projectId, authDomain: "localhost" });
  const auth = getAuth(app);
  connectAuthEmulator(auth, input.authEmulator, { disableWarnings: true });
  firebase = { app, auth };
}

/** POST /signup over CORS. */
async function signUp(input: { readonly apiUrl: string; readonly email: string; readonly password: string }): Promise<PageReply> {
  return call(`${input.apiUrl}/signup`, { body: { email: input.email, password: input.password } });
}

/** signInWithCustomToken, then the ID token and its claims as the SDK reads them. */
async function firebaseSignIn(input: { readonly token: string }) {
  const credential = await signInWithCustomToken(firebaseAuth(), input.token);
  const result = await credential.user.getIdTokenResult();
  return { uid: credential.user.uid, idToken: result.token, authMethods: result.claims.auth_methods ?? null };
}

async function firebaseSignOut(): Promise<{ readonly signedIn: boolean }> {
  await signOut(firebaseAuth());
  return { signedIn: firebaseAuth().currentUser !== null };
}

/** GET `path` with the ID token. */
async function get(input: { readonly apiUrl: string; readonly path: string; readonly idToken: string }): Promise<PageReply> {
  return call(`${input.apiUrl}${input.path}`, { idToken: input.idToken });
}

/** POST /passkeys/register/options, the browser's create() (startRegistration), POST /passkeys/register/verify. */
async function registerPasskey(input: { readonly apiUrl: string; readonly idToken: string; readonly name: string }): Promise<{
  readonly options: PageReply;
  readonly refused: CeremonyError | null;
  /** The new credential's id (base64url), as a page may remember it. */
  readonly credentialId: string | null;
  readonly verify: PageReply | null;
}> {
  const options = await call(`${input.apiUrl}/passkeys/register/options`, { body: {}, idToken: input.idToken });
  if (options.status !== 200) return { options, refused: null, credentialId: null, verify: null };
  let credential: Awaited<ReturnType<typeof startRegistration>>;
  try {
    credential = await startRegistration({ optionsJSON: options.body.options as Parameters<typeof startRegistration>[0]["optionsJSON"] });
  } catch (error) {
    return { options, refused: ceremonyError(error), credentialId: null, verify: null };
  }
  const verify = await call(`${input.apiUrl}/passkeys/register/verify`, {
    body: { credential, challenge_id: options.body.challenge_id, name: input.name },
    idToken: input.idToken,
  });
  return { options, refused: null, credentialId: credential.id, verify };
}

/**
 * POST /passkeys/login/options, the browser's get() with the server's options - no allowed
 * credentials: a discoverable passkey, no email - or, given `allowCredentialIds`, with the
 * credentials the page remembers; then POST /passkeys/login/verify. `sent` is the verify body.
 */
async function signInWithPasskey(input: { readonly apiUrl: string; readonly allowCredentialIds?: readonly string[] }): Promise<{
  readonly options: PageReply;
  readonly refused: CeremonyError | null;
  readonly sent: Record<string, unknown> | null;
  readonly verify: PageReply | null;
}> {
  const options = await call(`${input.apiUrl}/passkeys/login/options`, { body: {} });
  if (options.status !== 200) return { options, refused: null, sent: null, verify: null };
  const optionsJSON = options.body.options as Parameters<typeof startAuthentication>[0]["optionsJSON"];
  if (input.allowCredentialIds !== undefined) {
    optionsJSON.allowCredentials = input.allowCredentialIds.map((id) => ({ id, type: "public-key" }));
  }
  let credential: Awaited<ReturnType<typeof startAuthentication>>;
  try {
    credential = await startAuthentication({ optionsJSON });
  } catch (error) {
    return { options, refused: ceremonyError(error), sent: null, verify: null };
  }
  const sent = { credential, challenge_id: options.body.challenge_id };
  const verify = await call(`${input.apiUrl}/passkeys/login/verify`, { body: sent });
  return { options, refused: null, sent, verify };
}

const passkeyPage = { init, signUp, firebaseSignIn, firebaseSignOut, get, registerPasskey, signInWithPasskey };
/** The page's steps, as the test calls them (page.evaluate). */
export type PasskeyPage = typeof passkeyPage;

Object.assign(globalThis, { passkeyPage });
