import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { expect } from "chai";
import { setLogLevel } from "firebase/firestore";
import { FIRESTORE_MODE, PROJECT_ID } from "./helpers.js";

// firestore.rules, evaluated by the real Firestore emulator through @firebase/rules-unit-testing.
// The offline stand-in ignores rules entirely: there these tests are SKIPPED (reported as
// pending and announced by a banner, never counted as passing). `npm test` runs them wherever
// the Cloud CLI's Firestore emulator is installed (docs/testing.md, "Tests").
//
// Every check is a row of CHECKS, so the same rows run twice: against firestore.rules (each
// must hold), and against mutants of it, each loosening one rule (each mutant must be caught by
// at least one row). The second part is what shows these tests can fail.
const RULES_PATH = join(__dirname, "..", "..", "..", "firestore.rules");
const RULES = readFileSync(RULES_PATH, "utf8");
const [HOST, PORT] = (process.env.FIRESTORE_EMULATOR_HOST ?? "127.0.0.1:8080").split(":");
const SERVER_ONLY = [
  "auth_sessions",
  "auth_credentials",
  "auth_uid_index",
  "auth_refresh_tokens",
  "auth_refresh_rotations",
  "auth_throttle",
  "auth_codes",
  "auth_mfa_challenges",
  "mail",
] as const;

type Firestore = ReturnType<ReturnType<RulesTestEnvironment["authenticatedContext"]>["firestore"]>;
interface Actors {
  alice: Firestore; // signed in as users/alice in a live session (email claim alice@example.com)
  carol: Firestore; // signed in (live session), no users/carol document yet
  anon: Firestore; // not signed in
  admin: Firestore; // signed in with role_id 9: rules give a role no power over others' documents
  // alice's Firebase sessions that liveSession() must refuse:
  aliceEnded: Firestore; // its session record was deleted (logout, reuse, the session cap)
  aliceOldEpoch: Firestore; // a session started before her last password change (or reset, email change, ...)
  aliceStaleRole: Firestore; // a token of her live session carrying a role she no longer has
  aliceExpired: Firestore; // its session is past its absolute end
  aliceNoSession: Firestore; // no sid claim: a sign-in this backend did not make
  bobWithAlicesSession: Firestore; // another user's token naming alice's session
}
interface Check {
  readonly name: string;
  readonly allowed: boolean;
  readonly run: (a: Actors) => Promise<unknown>;
}

const allow = (name: string, run: Check["run"]): Check => ({ name, allowed: true, run });
const deny = (name: string, run: Check["run"]): Check => ({ name, allowed: false, run });
const ts = () => new Date("2026-01-01T00:00:00Z");

const CHECKS: readonly Check[] = [
  // users/{uid}: the owner
  allow("owner reads users/{own uid}", (a) => a.alice.doc("users/alice").get()),
  allow("owner changes display_name", (a) => a.alice.doc("users/alice").update({ display_name: "Alice L." })),
  allow("owner changes photo_url", (a) => a.alice.doc("users/alice").update({ photo_url: "https://example.com/a.png" })),
  allow("owner changes phone_number", (a) => a.alice.doc("users/alice").update({ phone_number: "+15551234567" })),
  allow("owner adds an app field of their own", (a) => a.alice.doc("users/alice").update({ bio: "hi" })),
  allow("owner rewrites the document keeping the server fields", (a) =>
    a.alice.doc("users/alice").set({ uid: "alice", email: "Alice@Example.com", role_id: 1, created_time: ts(), display_name: "A" }),
  ),
  deny("owner changes email", (a) => a.alice.doc("users/alice").update({ email: "mallory@example.com" })),
  deny("owner removes email", (a) => a.alice.doc("users/alice").set({ uid: "alice", role_id: 1, created_time: ts() })),
  deny("owner changes uid", (a) => a.alice.doc("users/alice").update({ uid: "bob" })),
  deny("owner changes role_id", (a) => a.alice.doc("users/alice").update({ role_id: 9 })),
  deny("owner removes role_id", (a) => a.alice.doc("users/alice").set({ uid: "alice", email: "Alice@Example.com", created_time: ts() })),
  deny("owner changes created_time", (a) => a.alice.doc("users/alice").update({ created_time: new Date("2001-01-01T00:00:00Z") })),
  deny("owner deletes users/{own uid}", (a) => a.alice.doc("users/alice").delete()),

  // users/{uid}: no client creates it (the backend writes it before the first token)
  deny("create own missing document, as FlutterFlow's maybeCreateUser would", (a) =>
    a.carol.doc("users/carol").set({ uid: "carol", email: "carol@example.com", display_name: "", created_time: ts() }),
  ),
  deny("create own missing document without email", (a) => a.carol.doc("users/carol").set({ uid: "carol", display_name: "C" })),
  deny("create another user's document", (a) => a.carol.doc("users/dave").set({ uid: "dave" })),

  // users/{uid} and fcm_tokens: the owner's Firebase sessions that are no longer live
  deny("bob, with a token naming alice's session, reads his own users/bob", (a) => a.bobWithAlicesSession.doc("users/bob").get()),
  ...(["aliceEnded", "aliceOldEpoch", "aliceStaleRole", "aliceExpired", "aliceNoSession"] as const).flatMap((who) => [
    deny(`${who}: read users/alice`, (a) => a[who].doc("users/alice").get()),
    deny(`${who}: update users/alice`, (a) => a[who].doc("users/alice").update({ display_name: "hijacked" })),
    deny(`${who}: list alice's fcm tokens`, (a) => a[who].collection("users/alice/fcm_tokens").get()),
    deny(`${who}: add an fcm token to alice`, (a) => a[who].collection("users/alice/fcm_tokens").add({ fcm_token: "t" })),
  ]),

  // users/{uid}: other users, whatever their role
  deny("read another user's document", (a) => a.alice.doc("users/bob").get()),
  deny("list the users collection", (a) => a.alice.collection("users").get()),
  deny("update another user's document", (a) => a.alice.doc("users/bob").update({ display_name: "hacked" })),
  deny("delete another user's document", (a) => a.alice.doc("users/bob").delete()),
  deny("an admin-role token reads another user's document", (a) => a.admin.doc("users/bob").get()),
  deny("an admin-role token updates another user's document", (a) => a.admin.doc("users/bob").update({ role_id: 9 })),

  // fcm_tokens
  allow("owner adds an fcm token", (a) =>
    a.alice.collection("users/alice/fcm_tokens").add({ fcm_token: "t", device_type: "Android", created_at: ts() }),
  ),
  allow("owner lists their fcm tokens", (a) => a.alice.collection("users/alice/fcm_tokens").get()),
  allow("owner deletes an fcm token", (a) => a.alice.doc("users/alice/fcm_tokens/t1").delete()),
  deny("add an fcm token to another user", (a) => a.alice.collection("users/bob/fcm_tokens").add({ fcm_token: "t" })),
  deny("list another user's fcm tokens", (a) => a.alice.collection("users/bob/fcm_tokens").get()),
  deny("delete another user's fcm token", (a) => a.alice.doc("users/bob/fcm_tokens/t1").delete()),

  // not signed in
  deny("anonymous reads a users document", (a) => a.anon.doc("users/alice").get()),
  deny("anonymous updates a users document", (a) => a.anon.doc("users/alice").update({ display_name: "x" })),
  deny("anonymous creates a users document", (a) => a.anon.doc("users/zed").set({ uid: "zed" })),
  deny("anonymous deletes a users document", (a) => a.anon.doc("users/alice").delete()),
  deny("anonymous lists fcm tokens", (a) => a.anon.collection("users/alice/fcm_tokens").get()),
  deny("anonymous writes an fcm token", (a) => a.anon.collection("users/alice/fcm_tokens").add({ fcm_token: "t" })),

  // server-only collections, for the owner of the records, an admin-role token and anonymous
  ...SERVER_ONLY.flatMap((collection) =>
    (["alice", "admin", "anon"] as const).flatMap((who) => [
      deny(`${who}: read ${collection}`, (a) => a[who].doc(`${collection}/alice-doc`).get()),
      deny(`${who}: list ${collection}`, (a) => a[who].collection(collection).get()),
      deny(`${who}: create in ${collection}`, (a) => a[who].doc(`${collection}/new-doc`).set({ uid: "alice" })),
      deny(`${who}: update ${collection}`, (a) => a[who].doc(`${collection}/alice-doc`).update({ role_id: 9 })),
      deny(`${who}: delete ${collection}`, (a) => a[who].doc(`${collection}/alice-doc`).delete()),
    ]),
  ),
  deny("collection-group read of fcm_tokens across users", (a) => a.alice.collectionGroup("fcm_tokens").get()),
];

async function newEnvironment(projectId: string, rules: string): Promise<RulesTestEnvironment> {
  return initializeTestEnvironment({ projectId, firestore: { rules, host: HOST ?? "127.0.0.1", port: Number(PORT) } });
}

/** Fresh documents before each check, written with the rules off. */
async function seed(env: RulesTestEnvironment): Promise<void> {
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    await db.doc("users/alice").set({ uid: "alice", email: "Alice@Example.com", display_name: "Alice", role_id: 1, created_time: ts() });
    await db.doc("users/bob").set({ uid: "bob", email: "bob@example.com", display_name: "Bob", role_id: 1, created_time: ts() });
    await db.doc("users/alice/fcm_tokens/t1").set({ fcm_token: "a", device_type: "iOS" });
    await db.doc("users/bob/fcm_tokens/t1").set({ fcm_token: "b", device_type: "iOS" });
    for (const collection of SERVER_ONLY) await db.doc(`${collection}/alice-doc`).set({ uid: "alice", role_id: 1 });
    // The sessions' records and each account's mirror (auth_uid_index), as the backend writes them.
    const end = new Date(Date.now() + 3_600_000);
    const session = (uid: string, epoch: number, expires = end) => ({ uid, session_epoch: epoch, expires_at: expires });
    await db.doc(`auth_sessions/${SESSIONS.alice}`).set(session("alice", 2));
    await db.doc(`auth_sessions/${SESSIONS.aliceOldEpoch}`).set(session("alice", 1));
    await db.doc(`auth_sessions/${SESSIONS.aliceExpired}`).set(session("alice", 2, new Date(Date.now() - 1000)));
    await db.doc(`auth_sessions/${SESSIONS.carol}`).set(session("carol", 0));
    await db.doc(`auth_sessions/${SESSIONS.root}`).set(session("root", 0));
    await db.doc("auth_uid_index/alice").set({ email_key: "k-alice", session_epoch: 2, role_id: 1 });
    await db.doc("auth_uid_index/bob").set({ email_key: "k-bob", session_epoch: 2, role_id: 1 });
    await db.doc("auth_uid_index/carol").set({ email_key: "k-carol", session_epoch: 0, role_id: 1 });
    await db.doc("auth_uid_index/root").set({ email_key: "k-root", session_epoch: 0, role_id: 9 });
  });
}

/** Session ids (the `sid` claim) with their records as seeded; `aliceEnded` has none. */
const SESSIONS = {
  alice: "aliceSession00000001",
  carol: "carolSession00000001",
  root: "rootSession000000001",
  aliceExpired: "aliceSession00000002",
  aliceEnded: "aliceSession00000003",
  aliceOldEpoch: "aliceSession00000004",
} as const;

function actors(env: RulesTestEnvironment): Actors {
  const alice = (claims: Record<string, unknown>, uid = "alice") =>
    env.authenticatedContext(uid, { email: "alice@example.com", role_id: 1, sid: SESSIONS.alice, ...claims }).firestore();
  return {
    alice: alice({}),
    carol: env.authenticatedContext("carol", { email: "carol@example.com", role_id: 1, sid: SESSIONS.carol }).firestore(),
    anon: env.unauthenticatedContext().firestore(),
    admin: env.authenticatedContext("root", { email: "root@example.com", role_id: 9, sid: SESSIONS.root }).firestore(),
    aliceEnded: alice({ sid: SESSIONS.aliceEnded }),
    aliceOldEpoch: alice({ sid: SESSIONS.aliceOldEpoch }),
    aliceStaleRole: alice({ role_id: 9 }),
    aliceExpired: alice({ sid: SESSIONS.aliceExpired }),
    aliceNoSession: env.authenticatedContext("alice", { email: "alice@example.com", role_id: 1 }).firestore(),
    bobWithAlicesSession: alice({ email: "bob@example.com" }, "bob"),
  };
}

/**
 * The first check that does not hold under `env`'s rules, or undefined. Documents are seeded
 * again only after a check that may have written (an allowed one, or a denial that failed).
 */
async function firstBroken(env: RulesTestEnvironment): Promise<string | undefined> {
  let dirty = true;
  for (const check of CHECKS) {
    if (dirty) await seed(env);
    const a = actors(env);
    const held = await (check.allowed ? assertSucceeds(check.run(a)) : assertFails(check.run(a))).then(
      () => true,
      () => false,
    );
    if (!held) return check.name;
    dirty = check.allowed;
  }
  return undefined;
}

/** One loosening of firestore.rules each: the exact text replaced must be present. */
const MUTANTS: ReadonlyArray<{ name: string; from: string | RegExp; to: string }> = [
  ...["uid", "email", "role_id", "created_time"].map((field) => ({
    name: `users: '${field}' no longer protected on update`,
    from: new RegExp(`'${field}',? ?`),
    to: "",
  })),
  { name: "users: read by any signed-in user", from: "allow read: if isOwner(uid);", to: "allow read: if signedIn();" },
  { name: "users: update by any signed-in user", from: "allow update: if isOwner(uid) &&", to: "allow update: if signedIn() &&" },
  {
    name: "users: delete by the owner",
    from: "allow create, delete: if false;",
    to: "allow create: if false; allow delete: if isOwner(uid);",
  },
  {
    name: "users: create by the owner",
    from: "allow create, delete: if false;",
    to: "allow delete: if false; allow create: if isOwner(uid);",
  },
  { name: "liveSession() not required of the owner", from: "request.auth.uid == uid && liveSession()", to: "request.auth.uid == uid" },
  { name: "liveSession(): any session's record", from: "session.uid == request.auth.uid\n        && ", to: "" },
  { name: "liveSession(): any epoch", from: "\n        && session.session_epoch == account.session_epoch", to: "" },
  { name: "liveSession(): any role", from: "\n        && account.role_id == request.auth.token.role_id", to: "" },
  { name: "liveSession(): past its end", from: "\n        && session.expires_at > request.time", to: "" },
  {
    name: "fcm_tokens: any signed-in user",
    from: /(match \/fcm_tokens\/\{tokenId\} \{\s*allow read, write: if )isOwner\(uid\)/,
    to: "$1signedIn()",
  },
  ...SERVER_ONLY.flatMap((collection) => [
    {
      name: `${collection}: readable when signed in`,
      from: new RegExp(`(match /${collection}/\\{doc\\} \\{\\s*)allow read, write: if false;`),
      to: "$1allow read: if signedIn(); allow write: if false;",
    },
    {
      name: `${collection}: writable when signed in`,
      from: new RegExp(`(match /${collection}/\\{doc\\} \\{\\s*)allow read, write: if false;`),
      to: "$1allow read: if false; allow write: if signedIn();",
    },
  ]),
];

describe("firestore.rules (real Firestore emulator)", function () {
  this.timeout(600_000);
  let env: RulesTestEnvironment;

  before(async function () {
    if (FIRESTORE_MODE !== "real") {
      console.warn(
        "\n  !!! Firestore rules tests SKIPPED (pending): the offline stand-in does not evaluate rules." +
          "\n  !!! They run wherever the Cloud CLI's Firestore emulator is installed (docs/testing.md, Tests).\n",
      );
      this.skip();
    }
    setLogLevel("silent"); // every denial would otherwise print a warning with a stack
    // A project of its own: clearing it never touches the stack's data, and the stack's own
    // project keeps the rules the stack loaded (the end-to-end test below relies on them).
    env = await newEnvironment(`${PROJECT_ID}-rules`, RULES);
  });

  after(async () => {
    await env?.cleanup();
  });

  for (const check of CHECKS) {
    it(`${check.allowed ? "allows" : "denies"}: ${check.name}`, async () => {
      await seed(env);
      const a = actors(env);
      await (check.allowed ? assertSucceeds(check.run(a)) : assertFails(check.run(a)));
    });
  }

  describe("each loosening of firestore.rules is caught by at least one check", () => {
    for (const [index, mutant] of MUTANTS.entries()) {
      it(`mutant ${index + 1}: ${mutant.name}`, async () => {
        const mutated = RULES.replace(mutant.from, mutant.to);
        expect(mutated, "the mutation must change the rules").to.not.equal(RULES);
        const mutantEnv = await newEnvironment(`${PROJECT_ID}-mutant-${index + 1}`, mutated);
        try {
          expect(await firstBroken(mutantEnv), "no check noticed this loosening").to.be.a("string");
        } finally {
          await mutantEnv.cleanup();
        }
      });
    }
  });
});
