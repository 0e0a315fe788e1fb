import { randomBytes } from "node:crypto";
import { COLLECTIONS as STORED } from "../../src/adapters/collections.js";
import { hmacKeys } from "../../src/domain/ids.js";
import { hashToken } from "../../src/domain/tokens.js";
import { adminAuth, adminFirestore } from "../../src/firebase.js";
import { ErrorAnswer } from "../../src/http/answers.js";
import { type Method, match } from "../../src/http/handler.js";
import { ROUTES } from "../../src/http/routes.js";

/**
 * Emulator tests talk to the running stack exactly as a FlutterFlow app does: HTTP to the
 * function URL, JSON bodies, then the custom token exchanged at the Auth emulator. They are
 * run by `npm test` (or `npm run stack -- ...`), which starts the stack and exports these.
 */
function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set: run the emulator tests through \`npm test\` or \`npm run stack -- <command>\``);
  }
  return value;
}

export const API_URL = required("API_URL");
export const AUTH_HOST = required("FIREBASE_AUTH_EMULATOR_HOST");
export const FIRESTORE_HOST = required("FIRESTORE_EMULATOR_HOST");
export const PROJECT_ID = required("PROJECT_ID");
/** The stack's server secret (scripts/stack.mjs): the tests derive document ids as the function does. */
export const keys = hmacKeys(() => Buffer.from(required("AUTH_HMAC_KEY"), "utf8"));
/** The keyed id of an email (its credential, its codes). */
export const emailKey = (email: string) => keys.email(email.trim().toLowerCase());
export const FIRESTORE_MODE = process.env.STACK_FIRESTORE === "real" ? "real" : "offline";

/** The names of the app's collections and this backend's server-only ones (src's COLLECTIONS: the same, as a list). */
export const COLLECTION_NAMES = Object.values(STORED) as readonly string[];

export const db = adminFirestore;
export const auth = adminAuth;

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

/**
 * Every password sent and every token received by the suite (10 characters or more, so that
 * common words do not match by chance): the last test looks for each in the emulators' log.
 */
export const secretsSeen = new Set<string>();
const SECRET_FIELDS = [
  "password",
  "current_password",
  "new_password",
  "refresh_token",
  "jwt_token",
  // The second factor's: the TOTP secret and its URL, the mfa_token, recovery codes.
  "secret",
  "otpauth_url",
  "mfa_token",
  "recovery_code",
  "recovery_codes",
];

function rememberSecrets(body: unknown): void {
  if (typeof body !== "object" || body === null) return;
  for (const [key, value] of Object.entries(body)) {
    if (!SECRET_FIELDS.includes(key)) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === "string" && item.length >= 10) secretsSeen.add(item);
    }
  }
}

/** A request as FlutterFlow's API call sends it: POST, JSON body, Content-Type application/json. */
export async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  rememberSecrets(body);
  return send(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A documentation-range address (198.18.0.0/15), new for each call. */
export function randomClientIp(): string {
  const [a, b, c] = randomBytes(3);
  return `198.${18 + ((a ?? 0) % 2)}.${b ?? 0}.${c ?? 1}`;
}

/**
 * Sends a request. Unless the test sets X-Forwarded-For itself, each request comes from its own
 * client address (as Google's front end would append it), so the per-address throttle of one
 * test never spills into another; the throttling tests set the header on purpose.
 */
export async function send(path: string, init: RequestInit): Promise<Reply> {
  const headers = new Headers(init.headers);
  if (!headers.has("x-forwarded-for")) headers.set("X-Forwarded-For", randomClientIp());
  return fetchReply(`${API_URL}${path}`, { ...init, headers });
}

/** One HTTP exchange, its body read as text and, when it is JSON, parsed. */
export async function fetchReply(url: string, init: RequestInit): Promise<Reply> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  checkAnswer(url, init.method ?? "GET", response.status, json);
  rememberSecrets(json); // what answers hand out (tokens, a TOTP secret, recovery codes) must not reach the log either
  return { status: response.status, headers: response.headers, text, json };
}

/**
 * Every answer of every test is held to the route table's documented answers (http/answers.ts,
 * the same schemas the OpenAPI document is made from): a success body to its route's schema for
 * that status, an error body to the error schema. A body the document does not describe fails
 * the test that received it.
 */
function checkAnswer(url: string, method: string, status: number, json: unknown): void {
  if (json === undefined) return; // no body, or the Functions Framework's own HTML 400 (docs/api.md, "Errors")
  const path = new URL(url).pathname.replace(/^\/[^/]+\/[^/]+\/auth(?=\/)/, "");
  if (status >= 400) {
    const error = ErrorAnswer.safeParse(json);
    if (!error.success) throw new Error(`${method} ${path} ${status}: not the documented error body: ${JSON.stringify(json)}`);
    return;
  }
  const route = match(ROUTES, path)?.methods[method.toUpperCase() as Method];
  const schema = route?.doc.answers[status];
  if (schema === undefined) throw new Error(`${method} ${path} answered ${status}, which its route does not document`);
  const checked = schema.safeParse(json);
  if (!checked.success) throw new Error(`${method} ${path} ${status}: the body differs from the documented one: ${checked.error.message}`);
}

/** The `error.code` of a JSON error answer. */
export function errorCode(reply: Reply): string | undefined {
  return (reply.json as { error?: { code: string } } | undefined)?.error?.code;
}

/** The header FlutterFlow sends with `currentJwtToken`. */
export function bearer(idToken: string): Record<string, string> {
  return { Authorization: `Bearer ${idToken}` };
}

export function uniqueEmail(tag = "user"): string {
  return `${tag}.${randomBytes(6).toString("hex")}@example.com`;
}

export interface AuthBody {
  user: { id: string; role_id: number; name: string; email: string; email_verified: boolean; mfa_enabled: boolean };
  token_type: string;
  expires_in: number;
  jwt_token: string;
  refresh_token: string;
  mfa_required: false;
}

/** The success body, after checking it has exactly the keys FlutterFlow's guide documents. */
export function authBody(reply: Reply): AuthBody {
  const body = reply.json as AuthBody;
  const keys = Object.keys(body ?? {})
    .sort()
    .join(",");
  if (keys !== "expires_in,jwt_token,mfa_required,refresh_token,token_type,user") throw new Error(`unexpected body: ${reply.text}`);
  rememberSecrets(body);
  return body;
}

/** What the Firebase client SDK does in `signInWithCustomToken`, against the Auth emulator. */
export async function signInWithCustomToken(token: string): Promise<{ localId: string; idToken: string; claims: Record<string, unknown> }> {
  const url = `http://${AUTH_HOST}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=fake-api-key`;
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token, returnSecureToken: true }),
  });
  const body = (await response.json()) as { idToken?: string; error?: { message: string } };
  if (!response.ok || body.idToken === undefined) {
    throw new Error(`signInWithCustomToken failed: ${response.status} ${body.error?.message ?? ""}`);
  }
  // The emulator's ID tokens are unsigned: read the claims, never verify a signature here.
  const payload = body.idToken.split(".")[1] ?? "";
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  secretsSeen.add(body.idToken);
  return { localId: String(claims.user_id), idToken: body.idToken, claims };
}

/** Signs up (named `tag`) and signs in as the app does; returns what FlutterFlow would hold. */
export async function signedUpApp(tag: string, password: string) {
  const email = uniqueEmail(tag);
  const body = authBody(await post("/signup", { email, password, name: tag }));
  const session = await signInWithCustomToken(body.jwt_token);
  return { email, body, uid: body.user.id, refresh: body.refresh_token, idToken: session.idToken };
}

/**
 * Every document id of our collections and every Auth uid: "nothing written" means equal
 * snapshots. `except` leaves collections out (a failed login is meant to write its throttle
 * counters).
 */
export async function snapshot(except: readonly string[] = []): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const name of COLLECTION_NAMES.filter((c) => !except.includes(c))) {
    const docs = await db().collection(name).get();
    result[name] = docs.docs.map((d) => d.id).sort();
  }
  const users = await auth().listUsers(1000);
  result.auth_users = users.users.map((u) => u.uid).sort();
  return result;
}

/** Documents and Auth users that belong to one email's account (by uid). */
export async function accountFootprint(
  email: string,
): Promise<{ credentials: number; uidIndex: number; users: number; authUsers: number }> {
  const lower = email.toLowerCase();
  const key = emailKey(lower);
  const credentials = await db().collection("auth_credentials").get();
  const uidIndex = await db().collection("auth_uid_index").where("email_key", "==", key).get();
  const userDocs = await db().collection("users").get();
  const authUsers = await auth().listUsers(1000);
  return {
    credentials: credentials.docs.filter((d) => d.id === key || String(d.get("email")).toLowerCase() === lower).length,
    uidIndex: uidIndex.size,
    users: userDocs.docs.filter((d) => String(d.get("email")).toLowerCase() === lower).length,
    authUsers: authUsers.users.filter((u) => u.email === lower).length,
  };
}

/** The stored document of a refresh token (the function keeps only its SHA-256). */
export function refreshTokenDoc(token: string) {
  return db().collection("auth_refresh_tokens").doc(hashToken(token));
}

/** The server-only credential of an email (keyed by the hash of the canonical address). */
export function credentialOf(email: string) {
  return db().collection("auth_credentials").doc(emailKey(email.trim().toLowerCase()));
}

/** The mails queued for `to` in the `mail` collection (the "Trigger Email" extension's format), oldest first. */
export async function mailsTo(to: string): Promise<{ subject: string; text: string; html: string }[]> {
  const docs = (await db().collection("mail").where("to", "==", to).get()).docs;
  return docs
    .sort((a, b) => a.createTime.toMillis() - b.createTime.toMillis())
    .map((doc) => doc.get("message") as { subject: string; text: string; html: string });
}

/** The 6-digit code of the latest mail to `to`. */
export async function mailedCode(to: string): Promise<string> {
  const code = /\b([0-9]{6})\b/.exec((await mailsTo(to)).at(-1)?.text ?? "")?.[1];
  if (code === undefined) throw new Error(`no code mailed to ${to}`);
  return code;
}
