import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { AUTH_HOST, auth, authBody, credentialOf, db, errorCode, post, signInWithCustomToken } from "./helpers.js";

// The command line against the stack's emulators, as `npm run stack -- npm run cli -- ...` runs
// it: every import format with hashes made by the reference implementations
// (test/fixtures/import/README.md), each user logged in over HTTP with its old password, its hash
// seen to become Argon2id, and every other command.
const root = join(__dirname, "..", "..", "..");
const fixtures = join(root, "functions", "test", "fixtures", "import");
const password = "correct horse battery staple";
const FIREBASE_PARAMS = [
  "--hash-key",
  "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
  "--salt-separator",
  "Bw==",
  "--rounds",
  "8",
  "--mem-cost",
  "14",
];

function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(process.execPath, [join(root, "functions", "lib", "cli", "main.js"), ...args], { env, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Firebase's own email/password sign-in (what the client SDK's signInWithEmailAndPassword calls), on the Auth emulator. */
async function firebasePasswordSignIn(email: string, pw: string): Promise<number> {
  const url = `http://${AUTH_HOST}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=fake-api-key`;
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: pw, returnSecureToken: true }),
  });
  return response.status;
}

/** An anonymous sign-in as the Firebase client SDK makes it (accounts:signUp without an email): the new user's uid. */
async function anonymousSignIn(): Promise<string> {
  const url = `http://${AUTH_HOST}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake-api-key`;
  const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  return ((await response.json()) as { localId: string }).localId;
}

const hashOf = async (email: string): Promise<string> => String((await credentialOf(email).get()).get("password_hash"));

/**
 * Logs in over HTTP with the old password: refused with a wrong one, then signed in, and the
 * stored hash is this backend's Argon2id after (`kept`: an Argon2id hash at least as strong as
 * the current parameters, which stays as it is).
 */
async function migrates(email: string, pw: string, kept = false): Promise<string> {
  const imported = await hashOf(email);
  expect(imported, `${email} keeps its foreign hash until it logs in`).to.not.match(/^\$argon2id\$v=19\$m=19456/);
  expect(errorCode(await post("/login", { email, password: `${pw}x` })), `${email}: a wrong password`).to.equal("invalid_credentials");
  const reply = await post("/login", { email, password: pw });
  expect(reply.status, `${email}: ${reply.text}`).to.equal(200);
  if (kept) expect(await hashOf(email), `${email}: a stronger Argon2id hash is kept`).to.equal(imported);
  else expect(await hashOf(email), `${email} after its first login`).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  expect((await post("/login", { email, password: pw })).status, `${email}: a second login, on Argon2id`).to.equal(200);
  expect(errorCode(await post("/login", { email, password: `${pw}x` }))).to.equal("invalid_credentials");
  return authBody(reply).user.id;
}

describe("command line: users import and the user commands (emulators)", function () {
  this.timeout(180_000);

  it("json: imports every supported encoding, reports each bad row by position, exits 1; each user logs in with the old password and moves to Argon2id", async () => {
    const run = cli(["users", "import", join(fixtures, "users.json")]);
    expect(run.stdout.trim()).to.equal("imported 8, skipped 0, failed 4");
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include("user #9: unknown or unsupported password hash encoding");
    expect(run.stderr).to.include("user #10: malformed email");
    expect(run.stderr).to.include("user #11: duplicate email");
    expect(run.stderr).to.include("user #12: missing password hash");

    const php = await auth().getUserByEmail("php-2y@import.example");
    expect([php.uid, php.displayName, php.emailVerified]).to.deep.equal(["phpBcrypt2y", "PHP bcrypt", true]);
    const profile = (await db().collection("users").doc("phpBcrypt2y").get()).data();
    expect(profile).to.deep.include({ uid: "phpBcrypt2y", email: "php-2y@import.example", display_name: "PHP bcrypt", role_id: 2 });

    for (const kind of ["php-2y", "py-2a", "py-2b", "argon2i", "scrypt", "django", "passlib-pbkdf2"]) {
      await migrates(`${kind}@import.example`, password);
    }
    await migrates("argon2id@import.example", password, true); // m=64 MiB, t=3, p=4: stronger than the defaults
    const login = authBody(await post("/login", { email: "php-2y@import.example", password }));
    expect(login.user).to.deep.include({ id: "phpBcrypt2y", role_id: 2, email_verified: true });
    expect((await signInWithCustomToken(login.jwt_token)).claims.role_id).to.equal(2);
  });

  it("running it again imports nothing and changes nothing", async () => {
    const before = await credentialOf("py-2b@import.example").get();
    const run = cli(["users", "import", join(fixtures, "users.json"), "--json"]);
    const summary = JSON.parse(run.stdout) as { imported: number; skipped: number; failed: number; skips: { reason: string }[] };
    expect([summary.imported, summary.skipped, summary.failed]).to.deep.equal([0, 8, 4]);
    expect(summary.skips.filter((s) => s.reason === "already imported").map((s) => s)).to.have.length(1); // the one with a given uid
    const after = await credentialOf("py-2b@import.example").get();
    expect(after.updateTime?.isEqual(before.updateTime ?? after.updateTime)).to.equal(true);
  });

  it("firebase: needs the project's hash parameters; adopts a Firebase Auth user of the same uid and keeps the app's users/{uid} data", async () => {
    const refused = cli(["users", "import", join(fixtures, "firebase-export.json")]);
    expect([refused.status, refused.stderr]).to.satisfy(([status, err]: [number, string]) => status === 2 && err.includes("--hash-key"));

    // The project's own Firebase Auth user (email/password sign-in before the move, with its old
    // Firebase password), with app data.
    await auth().createUser({
      uid: "fixtureUser0001",
      email: "fixture@firebase.example",
      displayName: "Fixture",
      password: "old firebase password",
    });
    expect(await firebasePasswordSignIn("fixture@firebase.example", "old firebase password"), "before the import").to.equal(200);
    await db().collection("users").doc("fixtureUser0001").set({ uid: "fixtureUser0001", email: "fixture@firebase.example", score: 42 });

    const run = cli(["users", "import", join(fixtures, "firebase-export.json"), ...FIREBASE_PARAMS]);
    expect(run.stdout.trim()).to.equal("imported 2, skipped 0, failed 1");
    expect(run.stderr).to.include("user #3: missing password hash");
    expect(await migrates("user1@test.com", "user1password")).to.equal("kYi4EvWQlQTKSfnJ3dRSP6IH3ed2");
    expect(await migrates("fixture@firebase.example", "Fixture#Pass1")).to.equal("fixtureUser0001");
    expect((await db().collection("users").doc("fixtureUser0001").get()).data()).to.deep.include({ score: 42, role_id: 1 });
    expect(
      await firebasePasswordSignIn("fixture@firebase.example", "old firebase password"),
      "Firebase's own password sign-in is removed from the adopted user",
    ).to.not.equal(200);
  });

  it("a uid that Firebase Auth gives to a user without an email (phone, anonymous) is refused before anything is written: its users/{uid} unchanged, no credential", async () => {
    const phoneUid = "phoneHolder0001";
    await auth().createUser({ uid: phoneUid, phoneNumber: "+15555550100" });
    const anonymousUid = await anonymousSignIn();
    const profiles = db().collection("users");
    await profiles.doc(phoneUid).set({ uid: phoneUid, phone_number: "+15555550100", score: 7 });
    await profiles.doc(anonymousUid).set({ uid: anonymousUid, score: 8 });
    const before = await Promise.all([profiles.doc(phoneUid).get(), profiles.doc(anonymousUid).get()]);
    const bcrypt = "$2b$10$lbi.8ibgn0.JlmuEPYU/5uKcvDQnj3Xl1lB55iidvMG.m8ywmrUKa";
    const rows = [
      { email: "phone-uid@import.example", password_hash: bcrypt, uid: phoneUid },
      { email: "anonymous-uid@import.example", password_hash: bcrypt, uid: anonymousUid },
    ];
    const file = join(mkdtempSync(join(tmpdir(), "import-")), "strangers.json");
    writeFileSync(file, JSON.stringify({ users: rows }));

    const run = cli(["users", "import", file]);
    const after = await Promise.all([profiles.doc(phoneUid).get(), profiles.doc(anonymousUid).get()]);
    for (const [i, doc] of after.entries()) {
      expect(doc.data(), `${doc.id}: nothing merged in`).to.deep.equal(before[i]?.data());
      expect(doc.updateTime?.isEqual(before[i]?.updateTime ?? doc.updateTime), `${doc.id}: not written`).to.equal(true);
    }
    for (const { email, uid } of rows) {
      expect((await credentialOf(email).get()).exists, email).to.equal(false);
      expect((await db().collection("auth_uid_index").doc(uid).get()).exists, uid).to.equal(false);
      const holder = await auth().getUser(uid);
      expect([holder.email, holder.providerData.filter((p) => p.providerId === "password")]).to.deep.equal([undefined, []]);
      expect(errorCode(await post("/login", { email, password })), email).to.equal("invalid_credentials");
    }
    expect([run.status, run.stdout.trim()]).to.deep.equal([1, "imported 0, skipped 0, failed 2"]);
    const reason = "belongs to a Firebase Auth user without an email (a phone or anonymous user)";
    expect(run.stderr).to.include(`user #1: uid ${phoneUid} ${reason}`);
    expect(run.stderr).to.include(`user #2: uid ${anonymousUid} ${reason}`);
    const dry = cli(["users", "import", file, "--dry-run"]);
    expect(dry.stdout.trim(), "--dry-run says it too").to.equal("would import 0, skipped 0, failed 2");
  });

  it("supabase (CSV from psql \\copy, and JSON) and csv; --dry-run writes nothing", async () => {
    const dry = cli(["users", "import", join(fixtures, "users.csv"), "--dry-run"]);
    expect(dry.stdout.trim()).to.equal("would import 2, skipped 0, failed 1");
    expect((await credentialOf("csv-bcrypt@import.example").get()).exists).to.equal(false);

    const csv = cli(["users", "import", join(fixtures, "users.csv")]);
    expect(csv.stdout.trim()).to.equal("imported 2, skipped 0, failed 1");
    expect(csv.stderr).to.include("line 4: unknown or unsupported password hash encoding");
    const csvUser = await auth().getUserByEmail("csv-bcrypt@import.example");
    expect([csvUser.uid, csvUser.displayName, csvUser.emailVerified]).to.deep.equal(["csvBcrypt", "Csv, Bcrypt", true]);
    await migrates("csv-bcrypt@import.example", password);
    await migrates("csv-django@import.example", password);

    const supabase = cli(["users", "import", join(fixtures, "supabase-users.csv")]);
    expect(supabase.stdout.trim()).to.equal("imported 1, skipped 0, failed 1");
    expect(supabase.stderr).to.include("line 3: missing password hash");
    expect(await migrates("alice@example.com", password)).to.equal("6f1c2b1e8a554c3e9a571f0a3c9d2b11");
    const alice = await auth().getUser("6f1c2b1e8a554c3e9a571f0a3c9d2b11");
    expect([alice.displayName, alice.emailVerified]).to.deep.equal(['Alice "Al" Smith', true]);

    const json = cli(["users", "import", join(fixtures, "supabase-users.json")]);
    expect(json.stdout.trim()).to.equal("imported 2, skipped 1, failed 0");
    expect(json.status).to.equal(0);
    await migrates("supa-json@import.example", "test");
    expect(
      errorCode(await post("/login", { email: "supa-banned@import.example", password: "test" })),
      "banned: imported disabled",
    ).to.equal("invalid_credentials");
    expect((await auth().getUser("22222222333344448555666666666666")).disabled).to.equal(true);
    expect((await credentialOf("supa-deleted@import.example").get()).exists, "deleted in Supabase: skipped").to.equal(false);
  });

  it("users show / set-role / disable / enable / delete and token mint act as the endpoints do", async () => {
    const email = "py-2a@import.example";
    const show = JSON.parse(cli(["users", "show", email, "--json"]).stdout) as Record<string, unknown>;
    expect(show).to.deep.include({ email, name: "Python bcrypt 2a", role_id: 1, disabled: false, password_scheme: "argon2id" });
    const uid = String(show.uid);

    const session = authBody(await post("/login", { email, password }));
    const signedIn = await signInWithCustomToken(session.jwt_token);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // revocation has a one-second resolution
    expect(cli(["users", "set-role", email, "7"]).status).to.equal(0);
    expect((await auth().getUser(uid)).customClaims).to.deep.equal({ role_id: 7 });
    const me = await fetch(`${process.env.API_URL}/me`, { headers: { Authorization: `Bearer ${signedIn.idToken}` } });
    expect(me.status, "the Firebase session from before the role change is revoked").to.equal(401);
    expect(authBody(await post("/refresh", { refresh_token: session.refresh_token })).user.role_id).to.equal(7);

    const minted = JSON.parse(cli(["token", "mint", email, "--json"]).stdout) as { uid: string; custom_token: string };
    const viaToken = await signInWithCustomToken(minted.custom_token);
    expect([viaToken.localId, viaToken.claims.role_id]).to.deep.equal([uid, 7]);

    expect(cli(["users", "disable", email]).status).to.equal(0);
    expect(errorCode(await post("/login", { email, password }))).to.equal("invalid_credentials");
    expect((await auth().getUser(uid)).disabled).to.equal(true);
    expect(cli(["users", "enable", email]).status).to.equal(0);
    expect((await post("/login", { email, password })).status).to.equal(200);

    expect(cli(["users", "delete", email]).status).to.equal(0);
    expect(errorCode(await post("/login", { email, password }))).to.equal("invalid_credentials");
    expect((await db().collection("users").doc(uid).get()).exists).to.equal(false);
    const gone = await auth()
      .getUser(uid)
      .then(
        () => "exists",
        (error: { code?: string }) => error.code,
      );
    expect(gone).to.equal("auth/user-not-found");

    const unknown = cli(["users", "show", "nobody@import.example"]);
    expect([unknown.status, unknown.stderr.trim().split("\n").at(-1)]).to.deep.equal([
      1,
      "error: no account with the email nobody@import.example",
    ]);
  });

  it("refuses a real project without --project, and a mix of one emulator and production", () => {
    const bare: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    const none = cli(["users", "show", "a@import.example"], bare);
    expect(none.status).to.equal(2);
    expect(none.stderr).to.include("no --project");
    const mixed = cli(["users", "show", "a@import.example"], { ...bare, FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080" });
    expect(mixed.status).to.equal(2);
    expect(mixed.stderr).to.include("only one of FIRESTORE_EMULATOR_HOST and FIREBASE_AUTH_EMULATOR_HOST");
  });
});
