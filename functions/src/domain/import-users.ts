// Bringing users from another system with their password hashes (docs/migrate.md, "Migrate your users").
// Each user gets what signup writes - the credential, the uid index, `users/{uid}` in
// FlutterFlow's schema, the Firebase Auth user - but no session, and keeps the foreign hash until
// its first login replaces it with Argon2id (login.ts). Idempotent: a user whose email is
// registered is reported and left alone, so running an import twice changes nothing.
import { AppError, isAppError, isTransient } from "../errors.js";
import type { Deps } from "./deps.js";
import { parseEmail } from "./email.js";
import { newId } from "./ids.js";
import { EmailTakenError, type NewAccount, UidTakenError } from "./model.js";
import { parseName } from "./name.js";

export type ImportDeps = Pick<Deps, "accounts" | "authUsers" | "hasher" | "keys" | "clock" | "defaultRoleId" | "events">;

/** One user to import, as the file formats (cli/formats.ts) read it. */
export interface ImportUser {
  readonly email: string;
  /** A hash in a supported encoding (docs/migrate.md, "Migrate your users"). */
  readonly passwordHash: string;
  readonly name?: string | undefined;
  readonly roleId?: number | undefined;
  /** Kept when FlutterFlow can use it (letters and digits; a UUID's hyphens are dropped); else a new one. */
  readonly uid?: string | undefined;
  readonly emailVerified?: boolean | undefined;
  readonly disabled?: boolean | undefined;
  /** When the account was made in the other system. */
  readonly createdAt?: Date | undefined;
}

export type ImportOutcome =
  | { readonly status: "imported"; readonly uid: string; readonly scheme: string }
  /** The email has an account already: nothing written (`sameUid`: the one this row would have made). */
  | { readonly status: "exists"; readonly uid: string; readonly sameUid: boolean }
  | { readonly status: "valid"; readonly uid: string; readonly scheme: string };

/** A row that cannot be imported, with the reason (reported with its line; the rest go on). */
export class ImportRejected extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "ImportRejected";
  }
}

const MAX_UID_LENGTH = 128;

/** The uid to use: the given one when FlutterFlow can use it as a document id (letters and digits). */
export function importedUid(given: string | undefined): string {
  if (given === undefined || given === "") return newId();
  const compact = given.replaceAll("-", "");
  if (/^[A-Za-z0-9]+$/.test(compact) && compact.length <= MAX_UID_LENGTH) return compact;
  return newId();
}

const reject = (reason: string): never => {
  throw new ImportRejected(reason);
};

/** Checks one user and, unless `dryRun`, imports it. Throws ImportRejected for a bad row. */
export async function importUser(user: ImportUser, options: { readonly dryRun: boolean }, deps: ImportDeps): Promise<ImportOutcome> {
  const email = (() => {
    try {
      return parseEmail(user.email, deps.keys);
    } catch (error) {
      return reject(`malformed email: ${isAppError(error) ? error.message : "unreadable"}`);
    }
  })();
  if (user.passwordHash === "") reject("missing password hash");
  const scheme = (await deps.hasher.scheme(user.passwordHash)) ?? reject("unknown or unsupported password hash encoding");
  let displayName: string;
  try {
    displayName = parseName(user.name === "" ? undefined : user.name, email.display);
  } catch (error) {
    return reject(`bad name: ${error instanceof AppError ? error.message : "unreadable"}`);
  }
  const roleId = user.roleId ?? deps.defaultRoleId;
  if (!Number.isInteger(roleId) || roleId < 0 || roleId > 1_000_000) reject("role_id must be a whole number from 0 to 1000000");
  const uid = importedUid(user.uid);

  const existing = await deps.accounts.findByEmail(email);
  if (existing !== null) {
    if (existing.uid === uid && !existing.authUserSynced && !options.dryRun) {
      // An earlier run wrote the account but not the Auth user: finish it.
      await deps.authUsers.ensure({
        uid,
        email: email.canonical,
        displayName: existing.displayName,
        emailVerified: existing.emailVerified,
      });
      await deps.accounts.setAuthUserSynced(existing.emailKey);
    }
    return { status: "exists", uid: existing.uid, sameUid: existing.uid === uid };
  }

  // A Firebase Auth user of this uid is this user only when it has this very email (a user moving
  // from Firebase's own email/password sign-in, adopted below). One with another email, or with
  // none (a phone or anonymous user), is someone else: nothing is written, not even the merge
  // into its users/{uid}, which a failed import could not undo. A read only, so --dry-run says it too.
  const authUser = await deps.authUsers.findEmail(uid);
  if (authUser !== null && authUser.email !== email.canonical) {
    const holder = authUser.email === null ? "without an email (a phone or anonymous user)" : "with another email";
    reject(`uid ${uid} belongs to a Firebase Auth user ${holder}`);
  }
  if (options.dryRun) return { status: "valid", uid, scheme };

  const createdAt = user.createdAt ?? deps.clock.now();
  const record: NewAccount = {
    account: {
      uid,
      email: email.display,
      emailKey: email.key,
      displayName,
      passwordHash: user.passwordHash,
      roleId,
      disabled: user.disabled ?? false,
      authUserSynced: false,
      deleting: false,
      emailVerified: user.emailVerified ?? false,
      sessionEpoch: 0,
      sessionCount: 0,
      createdAt,
      secondFactor: null,
      pendingFactor: null,
    },
    profile: { uid, email: email.display, displayName, roleId, createdAt },
    session: null,
    legacyEmailKey: email.legacyKey,
  };
  let profileCreated: boolean;
  try {
    ({ profileCreated } = await deps.accounts.importAccount(record));
  } catch (error) {
    if (error instanceof EmailTakenError) return { status: "exists", uid, sameUid: false }; // registered meanwhile
    if (error instanceof UidTakenError) return reject(`uid ${uid} belongs to another account`);
    throw error;
  }
  try {
    // A Firebase Auth user with this uid and email (a user moving from Firebase's own
    // email/password sign-in in the same project) is adopted as it is.
    await deps.authUsers.create({ uid, email: email.canonical, displayName, emailVerified: record.account.emailVerified });
    // An adopted Firebase Auth user loses Firebase's own password sign-in: its old password must
    // not keep signing in beside this backend (after a reset here, say).
    await deps.authUsers.removePasswordSignIn(uid);
    if (record.account.disabled) await deps.authUsers.setDisabled(uid, true);
  } catch (error) {
    // Out of reach: the account stays, unsynced; its first login (or the next run) makes the Auth user.
    if (isTransient(error)) throw error;
    await deps.accounts.undoImport(record, profileCreated);
    if (error instanceof EmailTakenError) reject("Firebase Auth has another user with this email");
    throw error;
  }
  await deps.accounts.setAuthUserSynced(email.key);
  return { status: "imported", uid, scheme };
}
