// Password hashes made by other systems (imported users, docs/migrate.md "Migrate your users"), verified
// with their own algorithm by maintained code: bcryptjs (bcrypt), @node-rs/argon2 (Argon2),
// Node's crypto (scrypt, PBKDF2), firebase-scrypt (Firebase's modified scrypt); @phc/format
// reads PHC strings. Nothing here hashes by hand: this file only reads each encoding's fields.
//
// Every cost parameter comes from the stored string, so each is capped: a string with absurd
// costs is not recognized (refused at import, false at login) instead of costing minutes of CPU
// or gigabytes of memory.
import { pbkdf2, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { verify as argon2Verify } from "@node-rs/argon2";
import { deserialize } from "@phc/format";
import bcrypt from "bcryptjs";
import { FirebaseScrypt } from "firebase-scrypt";
import { argon2WithinCaps, CAPS, scryptWithinCaps, within } from "./hash-caps.js";

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (password: Buffer, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

/** The encodings this backend verifies besides its own Argon2id. */
export type ForeignScheme = "bcrypt" | "argon2" | "scrypt" | "pbkdf2" | "firebase-scrypt";

const DIGESTS: Readonly<Record<string, string>> = { sha1: "sha1", sha256: "sha256", sha512: "sha512" };

interface Pbkdf2Hash {
  readonly digest: string;
  readonly iterations: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const int = (value: string | undefined): number => (value !== undefined && /^[0-9]{1,9}$/.test(value) ? Number(value) : Number.NaN);
/** passlib's "adapted base64": `.` for `+`, no padding. */
const ab64 = (value: string): Buffer => Buffer.from(value.replaceAll(".", "+"), "base64");

/** Django: `pbkdf2_sha256$<iterations>$<salt as text>$<base64 hash>`; passlib: `$pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 hash>`. */
function parsePbkdf2(stored: string): Pbkdf2Hash | null {
  const django = /^pbkdf2_(sha1|sha256|sha512)\$([0-9]+)\$([^$]+)\$([A-Za-z0-9+/]+={0,2})$/.exec(stored);
  if (django !== null) {
    const [, algo = "", iterations = "", salt = "", hash = ""] = django;
    return { digest: DIGESTS[algo] ?? "", iterations: int(iterations), salt: Buffer.from(salt, "utf8"), hash: Buffer.from(hash, "base64") };
  }
  const passlib = /^\$pbkdf2(?:-(sha256|sha512))?\$([0-9]+)\$([A-Za-z0-9./]+)\$([A-Za-z0-9./]+)$/.exec(stored);
  if (passlib !== null) {
    const [, algo = "sha1", iterations = "", salt = "", hash = ""] = passlib;
    return { digest: DIGESTS[algo] ?? "", iterations: int(iterations), salt: ab64(salt), hash: ab64(hash) };
  }
  return null;
}

interface FirebaseHash {
  readonly memCost: number;
  readonly rounds: number;
  readonly saltSeparator: string;
  readonly signerKey: string;
  readonly salt: string;
  readonly hash: string;
}

/**
 * Firebase's modified scrypt, in the self-contained form Supabase Auth also imports:
 * `$fbscrypt$v=1,n=<mem_cost>,r=<rounds>,p=1,ss=<base64 salt separator>,sk=<base64 signer key>$<base64 salt>$<base64 hash>`.
 */
function parseFirebase(stored: string): FirebaseHash | null {
  const match =
    /^\$fbscrypt\$v=1,n=([0-9]+),r=([0-9]+),p=1,ss=([A-Za-z0-9+/=_-]+),sk=([A-Za-z0-9+/=_-]+)\$([A-Za-z0-9+/=_-]+)\$([A-Za-z0-9+/=_-]+)$/.exec(
      stored,
    );
  if (match === null) return null;
  const [, n = "", r = "", saltSeparator = "", signerKey = "", salt = "", hash = ""] = match;
  return { memCost: int(n), rounds: int(r), saltSeparator, signerKey, salt, hash };
}

/** Writes the `$fbscrypt$` form of one user of a Firebase Auth export, with the project's hash parameters. */
export function firebaseScryptString(params: {
  readonly signerKey: string;
  readonly saltSeparator: string;
  readonly rounds: number;
  readonly memCost: number;
  readonly salt: string;
  readonly passwordHash: string;
}): string {
  return `$fbscrypt$v=1,n=${params.memCost},r=${params.rounds},p=1,ss=${params.saltSeparator},sk=${params.signerKey}$${params.salt}$${params.passwordHash}`;
}

/** The scheme of `stored` when it is a well-formed string of a supported encoding within the caps; null otherwise. */
export function foreignScheme(stored: string): ForeignScheme | null {
  const bcryptMatch = /^\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}$/.exec(stored);
  if (bcryptMatch !== null) return within(int(bcryptMatch[1]), 4, CAPS.bcryptCost) ? "bcrypt" : null;
  if (/^\$argon2(id|i|d)\$/.test(stored)) {
    const phc = tryDeserialize(stored);
    const { m, t, p } = (phc?.params ?? {}) as Record<string, unknown>;
    const ok = phc !== null && phc.hash !== undefined && argon2WithinCaps(Number(m), Number(t), Number(p));
    return ok ? "argon2" : null;
  }
  if (stored.startsWith("$scrypt$")) return scryptParams(stored) === null ? null : "scrypt";
  const pbkdf2Hash = parsePbkdf2(stored);
  if (pbkdf2Hash !== null) {
    const ok = pbkdf2Hash.digest !== "" && within(pbkdf2Hash.iterations, 1, CAPS.pbkdf2Iterations) && pbkdf2Hash.hash.length >= 16;
    return ok ? "pbkdf2" : null;
  }
  const firebase = parseFirebase(stored);
  if (firebase !== null) {
    const ok =
      within(firebase.memCost, 1, 20) &&
      within(firebase.rounds, 1, 64) &&
      scryptWithinCaps(2 ** firebase.memCost, firebase.rounds, 1, CAPS.firebaseNr);
    return ok ? "firebase-scrypt" : null;
  }
  return null;
}

function tryDeserialize(stored: string): ReturnType<typeof deserialize> | null {
  try {
    return deserialize(stored);
  } catch {
    return null;
  }
}

function scryptParams(stored: string): { N: number; r: number; p: number; salt: Buffer; hash: Buffer } | null {
  const phc = tryDeserialize(stored);
  if (phc === null || phc.id !== "scrypt" || phc.salt === undefined || phc.hash === undefined) return null;
  const { ln, r, p } = (phc.params ?? {}) as Record<string, unknown>;
  if (!within(Number(ln), 1, CAPS.scryptLogN) || !within(Number(r), 1, 64) || !within(Number(p), 1, CAPS.scryptP)) return null;
  if (!scryptWithinCaps(2 ** Number(ln), Number(r), Number(p), CAPS.scryptNr)) return null;
  return { N: 2 ** Number(ln), r: Number(r), p: Number(p), salt: phc.salt, hash: phc.hash };
}

const equal = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/**
 * True when `password` matches `stored`, a string of a supported foreign encoding; false for
 * anything else, and when the library fails on a string it was given (a wrong password, not a 500).
 */
export async function verifyForeign(stored: string, password: string): Promise<boolean> {
  try {
    return await verifyScheme(stored, password);
  } catch {
    return false;
  }
}

async function verifyScheme(stored: string, password: string): Promise<boolean> {
  const scheme = foreignScheme(stored);
  const secret = Buffer.from(password, "utf8");
  switch (scheme) {
    case "bcrypt":
      return bcrypt.compare(password, stored);
    case "argon2":
      return argon2Verify(stored, password).catch(() => false);
    case "scrypt": {
      const s = scryptParams(stored);
      if (s === null) return false;
      const derived = await scryptAsync(secret, s.salt, s.hash.length, { N: s.N, r: s.r, p: s.p, maxmem: 256 * s.N * s.r + 2 ** 20 });
      return equal(derived, s.hash);
    }
    case "pbkdf2": {
      const h = parsePbkdf2(stored);
      if (h === null) return false;
      return equal(await pbkdf2Async(secret, h.salt, h.iterations, h.hash.length, h.digest), h.hash);
    }
    case "firebase-scrypt": {
      const f = parseFirebase(stored);
      if (f === null || password === "") return false;
      const verifier = new FirebaseScrypt({ signerKey: f.signerKey, saltSeparator: f.saltSeparator, rounds: f.rounds, memCost: f.memCost });
      return Boolean(await verifier.verify(password, f.salt, f.hash));
    }
    default:
      return false;
  }
}
