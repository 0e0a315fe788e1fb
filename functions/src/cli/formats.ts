// The files `users import` reads, streamed one user at a time (docs/migrate.md, "Migrate your users"):
// - json:     {"users": [{"email", "password_hash", "name"?, "role_id"?, "uid"?, "email_verified"?}]}
// - firebase: the file of `firebase auth:export users.json --format=json`, with the project's
//             password-hash parameters given as flags (as `firebase auth:import` takes them)
// - supabase: an export of `auth.users` as JSON (an array, or {"users": [...]}) or CSV
// - csv:      a header row with the json format's field names
// Large files stream (csv-parse, stream-json), so memory does not grow with the file.
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { parse } from "csv-parse";
import { chain } from "stream-chain";
import { parser } from "stream-json";
import { pick } from "stream-json/filters/pick.js";
import { streamArray } from "stream-json/streamers/stream-array.js";
import { firebaseScryptString } from "../adapters/foreign-hashes.js";
import type { ImportUser } from "../domain/import-users.js";

export const FORMATS = ["json", "firebase", "supabase", "csv"] as const;
export type Format = (typeof FORMATS)[number];

/** Firebase's project-wide password-hash parameters (console: Authentication > Users > Password hash parameters). */
export interface FirebaseHashParams {
  readonly signerKey: string;
  readonly saltSeparator: string;
  readonly rounds: number;
  readonly memCost: number;
}

/** One entry of the file: the user, or why it cannot be read; `position` is "line N" (CSV) or "user #N" (JSON). */
export type Entry =
  | { readonly position: string; readonly user: ImportUser }
  | { readonly position: string; readonly error: string }
  /** Not for import by design (a user the source system deleted): counted as skipped, not failed. */
  | { readonly position: string; readonly skip: string };

type Row = Readonly<Record<string, unknown>>;

/** The format of `file`, from its name and its first 64 KiB; null when it cannot be told. */
export async function detectFormat(file: string): Promise<Format | null> {
  const text = await head(file, 65_536);
  if (/^\s*[[{]/.test(text)) {
    if (/"localId"\s*:/.test(text)) return "firebase";
    if (/"encrypted_password"\s*:/.test(text)) return "supabase";
    if (/"password_hash"\s*:/.test(text)) return "json";
    return null;
  }
  const header = text.split(/\r?\n/, 1)[0] ?? "";
  if (/(^|,)"?encrypted_password"?(,|$)/.test(header)) return "supabase";
  if (/(^|,)"?password_hash"?(,|$)/.test(header)) return "csv";
  return null;
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** true/false as JSON, CSV words (`true`, `t`, `1`, ...), or a non-empty timestamp (Supabase's `email_confirmed_at`). */
function truthy(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === null || value === undefined || value === "") return undefined;
  const text = String(value).toLowerCase();
  if (["true", "t", "1", "yes"].includes(text)) return true;
  if (["false", "f", "0", "no"].includes(text)) return false;
  return undefined;
}

function integer(value: unknown): number | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const n = typeof value === "number" ? value : Number(String(value));
  return Number.isFinite(n) ? n : Number.NaN;
}

function date(value: unknown): Date | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const text = String(value);
  const parsed = /^[0-9]+$/.test(text) ? new Date(Number(text)) : new Date(text.replace(" ", "T").replace(/\+00$/, "Z"));
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

function plainUser(row: Row): ImportUser {
  return {
    email: str(row.email) ?? "",
    passwordHash: str(row.password_hash) ?? "",
    name: str(row.name),
    roleId: integer(row.role_id),
    uid: str(row.uid),
    emailVerified: truthy(row.email_verified),
  };
}

function firebaseUser(row: Row, params: FirebaseHashParams | undefined): ImportUser {
  const hash = str(row.passwordHash) ?? "";
  const salt = str(row.salt) ?? "";
  let passwordHash = "";
  if (hash !== "" && params !== undefined) passwordHash = firebaseScryptString({ ...params, salt, passwordHash: hash });
  return {
    email: str(row.email) ?? "",
    passwordHash,
    name: str(row.displayName),
    uid: str(row.localId),
    emailVerified: truthy(row.emailVerified),
    disabled: truthy(row.disabled),
    createdAt: date(row.createdAt),
  };
}

function supabaseUser(row: Row, now: Date): ImportUser | { readonly skip: string } {
  if (row.deleted_at !== null && row.deleted_at !== undefined && row.deleted_at !== "")
    return { skip: "deleted in Supabase (deleted_at is set)" };
  const bannedUntil = date(row.banned_until);
  let meta: unknown = row.raw_user_meta_data;
  if (typeof meta === "string" && meta !== "") {
    try {
      meta = JSON.parse(meta);
    } catch {
      meta = {};
    }
  }
  const metadata = (typeof meta === "object" && meta !== null ? meta : {}) as Row;
  return {
    email: str(row.email) ?? "",
    passwordHash: str(row.encrypted_password) ?? "",
    name: str(metadata.name) ?? str(metadata.full_name),
    uid: str(row.id),
    emailVerified: row.email_confirmed_at !== null && row.email_confirmed_at !== undefined && row.email_confirmed_at !== "",
    // Banned in Supabase (banned_until still ahead): imported disabled.
    disabled: bannedUntil !== undefined && bannedUntil > now,
    createdAt: date(row.created_at),
  };
}

/** The user of one row, or why it is not imported. */
function toUser(format: Format, row: Row, params: FirebaseHashParams | undefined): ImportUser | { readonly skip: string } {
  if (format === "firebase") return firebaseUser(row, params);
  if (format === "supabase") return supabaseUser(row, new Date());
  return plainUser(row);
}

function entry(position: string, user: ImportUser | { readonly skip: string }): Entry {
  return "skip" in user ? { position, skip: user.skip } : { position, user };
}

/** The users of `file`, one at a time. A file that cannot be parsed at all throws. */
export async function* readUsers(file: string, format: Format, params?: FirebaseHashParams): AsyncGenerator<Entry> {
  // JSON opens with "[" (an array of users) or "{" ({"users": [...]}); anything else is CSV.
  const first = (await head(file, 4096)).trimStart().charAt(0);
  if (first !== "[" && first !== "{") {
    const rows = createReadStream(file).pipe(
      parse({
        columns: true,
        bom: true,
        skip_empty_lines: true,
        relax_column_count: true,
        cast: (value, context) => (context.quoting || value !== "" ? value : null),
      }),
    );
    let line = 1;
    for await (const row of rows as AsyncIterable<Row>) {
      line++;
      yield entry(`line ${line}`, toUser(format, row, params));
    }
    return;
  }
  const users = chain([createReadStream(file), parser(), ...(first === "[" ? [] : [pick({ filter: "users" })]), streamArray()]);
  for await (const item of users as AsyncIterable<{ key: number; value: unknown }>) {
    const position = `user #${item.key + 1}`;
    if (typeof item.value !== "object" || item.value === null || Array.isArray(item.value)) {
      yield { position, error: "not an object" };
      continue;
    }
    yield entry(position, toUser(format, item.value as Row, params));
  }
}

/** The first `bytes` of `file` as text, without a byte-order mark. */
async function head(file: string, bytes: number): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer
      .subarray(0, bytesRead)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
  } finally {
    await handle.close();
  }
}
