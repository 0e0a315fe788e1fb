import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { expect } from "chai";
import { COLLECTIONS, EXPIRING_COLLECTIONS } from "../../src/adapters/collections.js";

// firestore.indexes.json (deployed with `firebase deploy --only firestore:indexes`) against the
// code: every collection whose documents carry `expires_at` has its TTL policy; no field a query
// filters or orders on is exempted from indexing (a query on an exempted field fails in
// production, and the emulators never say so: they need no indexes); and firebase-tools' own
// validator accepts the file.
const root = join(__dirname, "..", "..", "..");
const read = (path: string): string => readFileSync(join(root, path), "utf8");

interface IndexConfig {
  readonly order?: "ASCENDING" | "DESCENDING";
  readonly arrayConfig?: "CONTAINS";
  readonly queryScope?: "COLLECTION" | "COLLECTION_GROUP";
}
interface FieldOverride {
  readonly collectionGroup: string;
  readonly fieldPath: string;
  readonly ttl?: boolean;
  readonly indexes: readonly IndexConfig[];
}
interface IndexesFile {
  readonly indexes: readonly unknown[];
  readonly fieldOverrides: readonly FieldOverride[];
}

const spec = JSON.parse(read("firestore.indexes.json")) as IndexesFile;
const TTL_FIELD = "expires_at";
/** What an equality or range filter on one field (and an order by it) needs: its ascending single-field index. */
const ascending = (o: FieldOverride) => o.indexes.some((i) => i.order === "ASCENDING" && (i.queryScope ?? "COLLECTION") === "COLLECTION");

/** Every source file that may query Firestore: the functions, the command line, the scripts. */
function sources(dir: string, pattern: RegExp): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((name) => pattern.test(name) && !name.split("/").includes("node_modules"))
    .map((name) => join(dir, name));
}
const queryingFiles = [...sources("functions/src", /\.ts$/), ...sources("scripts", /\.(mjs|js)$/)];

/**
 * The fields of every `.where(` and `.orderBy(` in `files` (string literals only: the test below
 * refuses any other; `FieldPath.documentId()` is always indexed), as `collection.field`: the
 * collection is the last `COLLECTIONS.name` written before the call in its file, or `*` (any)
 * when there is none (expired.ts queries each expiring collection by name).
 */
function queriedFields(files: readonly { readonly name: string; readonly text: string }[]): { fields: Set<string>; unreadable: string[] } {
  const fields = new Set<string>();
  const unreadable: string[] = [];
  for (const { name, text } of files) {
    for (const call of text.matchAll(/\b(where|orderBy)\(\s*([^,)]*)/g)) {
      const argument = call[2]?.trim() ?? "";
      if (argument === "FieldPath.documentId(") continue;
      const literal = /^(["'`])([^"'`]+)\1$/.exec(argument);
      const before = [...text.slice(0, call.index).matchAll(/COLLECTIONS\.(\w+)/g)].at(-1)?.[1];
      const collection = before === undefined ? "*" : (COLLECTIONS[before as keyof typeof COLLECTIONS] ?? before);
      if (literal?.[2] === undefined) unreadable.push(`${name}: ${call[0]}`);
      else fields.add(`${collection}.${literal[2]}`);
    }
  }
  return { fields, unreadable };
}
const queried = (fields: ReadonlySet<string>, o: FieldOverride) =>
  fields.has(`${o.collectionGroup}.${o.fieldPath}`) || fields.has(`*.${o.fieldPath}`);
const sourceQueries = () => queriedFields(queryingFiles.map((name) => ({ name, text: read(name) })));

describe("firestore.indexes.json (TTL policies and index exemptions)", () => {
  it("is deployed by firebase.json, and firebase-tools' own validator accepts it", () => {
    const firebaseJson = JSON.parse(read("firebase.json")) as { firestore?: { indexes?: string; rules?: string } };
    expect(firebaseJson.firestore?.indexes).to.equal("firestore.indexes.json");
    // The validator `firebase deploy` runs before it calls the API (firebase-tools, firestore/api.js).
    const firebaseTools = createRequire(join(root, "package.json"));
    const { FirestoreApi } = firebaseTools("firebase-tools/lib/firestore/api.js") as {
      FirestoreApi: new () => { upgradeOldSpec(s: unknown): unknown; validateSpec(s: unknown): void };
    };
    const api = new FirestoreApi();
    expect(() => api.validateSpec(api.upgradeOldSpec(spec))).not.to.throw();
    // ... and refuses what its own README once showed (`"ttl": "true"`): the check is real.
    const stringTtl = { indexes: [], fieldOverrides: [{ collectionGroup: "c", fieldPath: "f", ttl: "true", indexes: [] }] };
    expect(() => api.validateSpec(api.upgradeOldSpec(stringTtl))).to.throw(/ttl/);
  });

  it("no composite index, one override per field, and only this backend's server-only collections", () => {
    expect(spec.indexes).to.deep.equal([]);
    const keys = spec.fieldOverrides.map((o) => `${o.collectionGroup}.${o.fieldPath}`);
    expect(keys).to.have.lengthOf(new Set(keys).size);
    // users/{uid} is the app's (FlutterFlow may query any of its fields); the mail collection's
    // name is a setting and its documents belong to the extension.
    const serverOnly = Object.values(COLLECTIONS).filter((name) => name !== COLLECTIONS.users);
    for (const o of spec.fieldOverrides) expect(serverOnly, o.collectionGroup).to.include(o.collectionGroup);
  });

  it("every collection with expires_at has a TTL policy on it, indexed ascending for the clean-up's query; no other TTL", () => {
    for (const name of EXPIRING_COLLECTIONS) {
      const ttl = spec.fieldOverrides.find((o) => o.collectionGroup === name && o.fieldPath === TTL_FIELD);
      expect(ttl?.ttl, `${name}.${TTL_FIELD}`).to.equal(true);
      expect(ttl !== undefined && ascending(ttl), `${name}.${TTL_FIELD} ascending`).to.equal(true);
    }
    const withTtl = spec.fieldOverrides.filter((o) => o.ttl === true);
    expect(withTtl.map((o) => `${o.collectionGroup}.${o.fieldPath}`).sort()).to.deep.equal(
      EXPIRING_COLLECTIONS.map((name) => `${name}.${TTL_FIELD}`).sort(),
    );
  });

  it("the clean-up sweeps exactly the collections with expires_at (the stores' deleteExpired calls)", () => {
    const swept = new Set<string>();
    for (const file of sources("functions/src/adapters", /\.ts$/)) {
      for (const call of read(file).matchAll(/deleteExpired\(this\.db, \[([^\]]*)\]/g)) {
        for (const key of (call[1] ?? "").matchAll(/COLLECTIONS\.(\w+)/g)) {
          swept.add(COLLECTIONS[key[1] as keyof typeof COLLECTIONS]);
        }
      }
    }
    expect([...swept].sort()).to.deep.equal([...EXPIRING_COLLECTIONS].sort());
  });

  it("no field a query filters or orders on is exempted from indexing; each keeps its ascending index", () => {
    const { fields, unreadable } = sourceQueries();
    expect(unreadable, "queries whose field is not a string literal (name it, so this test sees it)").to.deep.equal([]);
    // The scan sees the queries it must: the session store's, the clean-up's, the admin list's.
    expect([...fields]).to.include.members([
      "auth_sessions.uid",
      "auth_refresh_tokens.session_id",
      "auth_refresh_tokens.live",
      `*.${TTL_FIELD}`,
      "auth_credentials.created_at",
      "auth_credentials.email",
    ]);
    for (const o of spec.fieldOverrides) {
      if (queried(fields, o)) expect(ascending(o), `${o.collectionGroup}.${o.fieldPath} is queried`).to.equal(true);
    }
  });

  it("the checks would catch an exempted queried field, and a query on a field the scan cannot read", () => {
    const { fields } = sourceQueries();
    const mutant = spec.fieldOverrides.map((o) => (o.fieldPath === TTL_FIELD ? { ...o, indexes: [] } : o));
    expect(mutant.filter((o) => queried(fields, o) && !ascending(o))).to.have.lengthOf(EXPIRING_COLLECTIONS.length);
    const scanned = queriedFields([
      { name: "x.ts", text: 'db.collection("x").where(FIELD, "==", 1).orderBy("created_at").orderBy(FieldPath.documentId())' },
      { name: "y.ts", text: 'db.collection(COLLECTIONS.sessions).where("uid", "==", uid)' },
    ]);
    expect([[...scanned.fields], scanned.unreadable]).to.deep.equal([["*.created_at", "auth_sessions.uid"], ["x.ts: where(FIELD"]]);
    // created_at is exempted where nothing orders by it (sessions), indexed where the admin list does.
    const createdAt = spec.fieldOverrides.filter((o) => o.fieldPath === "created_at");
    expect(createdAt.filter((o) => queried(fields, o)).map((o) => o.collectionGroup)).to.deep.equal(["auth_credentials"]);
  });
});
