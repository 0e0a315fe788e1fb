import { randomBytes } from "node:crypto";
import { emailKey } from "../../src/domain/email.js";
import { adminAuth, adminFirestore } from "../../src/firebase.js";

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
required("FIRESTORE_EMULATOR_HOST");
export const FIRESTORE_MODE = process.env["STACK_FIRESTORE"] === "real" ? "real" : "offline";

/** The app's collections and this backend's server-only ones. */
export const COLLECTIONS = ["auth_credentials", "auth_uid_index", "auth_refresh_tokens", "auth_refresh_rotations", "users"] as const;

export const db = adminFirestore;
export const auth = adminAuth;

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

/** A request as FlutterFlow's API call sends it: POST, JSON body, Content-Type application/json. */
export async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function send(path: string, init: RequestInit): Promise<Reply> {
  const response = await fetch(`${API_URL}${path}`, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
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
  user: { id: string; role_id: number; name: string; email: string };
  token_type: string;
  expires_in: number;
  jwt_token: string;
  refresh_token: string;
}

/** The success body, after checking it has exactly the keys FlutterFlow's guide documents. */
export function authBody(reply: Reply): AuthBody {
  const body = reply.json as AuthBody;
  const keys = Object.keys(body ?? {}).sort().join(",");
  if (keys !== "expires_in,jwt_token,refresh_token,token_type,user") throw new Error(`unexpected body: ${reply.text}`);
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
  return { localId: String(claims["user_id"]), idToken: body.idToken, claims };
}

/** Every document id of our collections and every Auth uid: "nothing written" means equal snapshots. */
export async function snapshot(): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const name of COLLECTIONS) {
    const docs = await db().collection(name).get();
    result[name] = docs.docs.map((d) => d.id).sort();
  }
  const users = await auth().listUsers(1000);
  result["auth_users"] = users.users.map((u) => u.uid).sort();
  return result;
}

/** Documents and Auth users that belong to one email's account (by uid). */
export async function accountFootprint(email: string): Promise<{ credentials: number; uidIndex: number; users: number; authUsers: number }> {
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

/** The server-only credential of an email (keyed by the hash of the canonical address). */
export function credentialOf(email: string) {
  return db().collection("auth_credentials").doc(emailKey(email.trim().toLowerCase()));
}
