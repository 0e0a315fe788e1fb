import { createHash } from "node:crypto";
import { expect } from "chai";
import { Argon2Hasher } from "../../src/adapters/argon2-hasher.js";
import { MigratingHasher } from "../../src/adapters/migrating-hasher.js";
import { ImportRejected, importedUid, importUser } from "../../src/domain/import-users.js";
import { EmailTakenError } from "../../src/domain/model.js";
import { signup } from "../../src/domain/signup.js";
import { rejection } from "./failure.js";
import { world } from "./fakes.js";
import { login } from "./sign-in.js";

// The import use case on the in-memory fakes: `legacy$<sha256>` plays a foreign hash (FakeHasher).
const password = "correct horse battery";
const legacy = (pw: string) => `legacy$${createHash("sha256").update(pw).digest("hex")}`;
const user = { email: "Ada@Example.com", passwordHash: legacy(password), name: "Ada", uid: "ada0001" };

async function rejected(promise: Promise<unknown>): Promise<string> {
  const error = await rejection(promise);
  expect(error).to.be.instanceOf(ImportRejected);
  return (error as Error).message;
}

describe("user import (use case, in-memory fakes)", () => {
  it("writes what signup writes, without a session; the first login replaces the foreign hash in the session's write", async () => {
    const w = world();
    expect(await importUser({ ...user, roleId: 4, emailVerified: true }, { dryRun: false }, w.deps)).to.deep.equal({
      status: "imported",
      uid: "ada0001",
      scheme: "legacy",
    });
    expect(w.store.sizes()).to.deep.equal({ credentials: 1, accounts: 1, users: 1, sessions: 0 });
    expect(w.authUsers.users.get("ada0001")).to.deep.include({ email: "ada@example.com", displayName: "Ada", emailVerified: true });
    expect(w.store.accounts.get("ada0001")).to.deep.include({
      roleId: 4,
      authUserSynced: true,
      emailVerified: true,
      email: "Ada@Example.com",
    });

    const result = await login({ email: "ada@example.com", password }, w.deps);
    expect(result.user).to.deep.include({ id: "ada0001", roleId: 4 });
    expect(w.store.accounts.get("ada0001")?.passwordHash).to.match(/^fake\$2\$/);
    expect(w.events.seen).to.include("password_rehashed:ada0001");
  });

  it("idempotent: the same user again is `exists` and changes nothing; a user left without its Auth user is finished", async () => {
    const w = world();
    w.faults.failAt("authUsers.create", Object.assign(new Error("Auth out of reach"), { code: "app/network-error" }));
    await rejection(importUser(user, { dryRun: false }, w.deps));
    expect(w.store.accounts.get("ada0001")?.authUserSynced, "left unsynced by the outage").to.equal(false);
    w.faults.heal();
    expect(await importUser(user, { dryRun: false }, w.deps)).to.deep.equal({ status: "exists", uid: "ada0001", sameUid: true });
    expect(w.store.accounts.get("ada0001")?.authUserSynced).to.equal(true);
    expect(w.authUsers.users.has("ada0001")).to.equal(true);
    const before = JSON.stringify([...w.store.accounts.values()]);
    expect((await importUser(user, { dryRun: false }, w.deps)).status).to.equal("exists");
    expect(JSON.stringify([...w.store.accounts.values()])).to.equal(before);
  });

  it("an email registered by signup is skipped, never overwritten", async () => {
    const w = world();
    const existing = await signup({ email: "ada@example.com", password: "another good passphrase" }, w.deps);
    expect(await importUser(user, { dryRun: false }, w.deps)).to.deep.equal({ status: "exists", uid: existing.user.id, sameUid: false });
    expect((await login({ email: "ada@example.com", password: "another good passphrase" }, w.deps)).user.id).to.equal(existing.user.id);
  });

  it("bad rows are refused with their reason and write nothing", async () => {
    const w = world();
    expect(await rejected(importUser({ ...user, email: "not an email" }, { dryRun: false }, w.deps))).to.match(/^malformed email/);
    expect(await rejected(importUser({ ...user, passwordHash: "" }, { dryRun: false }, w.deps))).to.equal("missing password hash");
    expect(await rejected(importUser({ ...user, passwordHash: "md5:abc" }, { dryRun: false }, w.deps))).to.equal(
      "unknown or unsupported password hash encoding",
    );
    expect(await rejected(importUser({ ...user, roleId: 1.5 }, { dryRun: false }, w.deps))).to.match(/role_id/);
    expect(await rejected(importUser({ ...user, name: " " }, { dryRun: false }, w.deps))).to.match(/^bad name/);
    expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 0, sessions: 0 });
  });

  it("a uid another account has is refused; Firebase Auth holding the email for another user undoes the import", async () => {
    const w = world();
    await importUser(user, { dryRun: false }, w.deps);
    expect(await rejected(importUser({ ...user, email: "bea@example.com" }, { dryRun: false }, w.deps))).to.equal(
      "uid ada0001 belongs to a Firebase Auth user with another email",
    );
    w.authUsers.users.delete("ada0001"); // the account without its Auth user: the uid index still says no
    expect(await rejected(importUser({ ...user, email: "bea@example.com" }, { dryRun: false }, w.deps))).to.equal(
      "uid ada0001 belongs to another account",
    );
    w.faults.failAt("authUsers.create", new EmailTakenError());
    expect(await rejected(importUser({ ...user, email: "cy@example.com", uid: "cy0001" }, { dryRun: false }, w.deps))).to.equal(
      "Firebase Auth has another user with this email",
    );
    expect(w.store.accounts.has("cy0001")).to.equal(false);
    expect(w.store.users.has("cy0001")).to.equal(false);
  });

  it("a foreign hash over the cost caps (scrypt p = 16 at N * r = 2^19) is a bad row, like any other cap; the largest allowed imports", async () => {
    const w = world();
    const params = { memoryKiB: 19_456, iterations: 2, parallelism: 1 };
    const deps = { ...w.deps, hasher: new MigratingHasher(new Argon2Hasher(params), params) };
    const scrypt = (p: number) => `$scrypt$ln=16,r=8,p=${p}$Y2Fwc2FsdGNhcHNhbHQxNg$9SZB/EasVoaDtbjMvSLqvSGtau/3oTtYh/tMik0MOBY`;
    expect(await rejected(importUser({ ...user, passwordHash: scrypt(16) }, { dryRun: false }, deps))).to.equal(
      "unknown or unsupported password hash encoding",
    );
    expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 0, sessions: 0 });
    expect(w.authUsers.users.size).to.equal(0);
    expect(await importUser({ ...user, passwordHash: scrypt(4) }, { dryRun: false }, deps)).to.deep.include({ status: "imported" });
  });

  it("--dry-run checks everything and writes nothing", async () => {
    const w = world();
    expect(await importUser(user, { dryRun: true }, w.deps)).to.deep.equal({ status: "valid", uid: "ada0001", scheme: "legacy" });
    expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 0, sessions: 0 });
    expect(w.authUsers.users.size).to.equal(0);
  });

  it("uids: letters and digits kept; a UUID loses its hyphens; anything else gets a new one", () => {
    expect(importedUid("kYi4EvWQlQTKSfnJ3dRSP6IH3ed2")).to.equal("kYi4EvWQlQTKSfnJ3dRSP6IH3ed2");
    expect(importedUid("6f1c2b1e-8a55-4c3e-9a57-1f0a3c9d2b11")).to.equal("6f1c2b1e8a554c3e9a571f0a3c9d2b11");
    for (const given of [undefined, "", "a/b", "user@x", "x".repeat(129)]) expect(importedUid(given)).to.match(/^[A-Za-z0-9]{20}$/);
  });

  it("an imported hash of a password as typed (not NFKC, e.g. 'ﬁ' and '²'): the typed form logs in, and the re-hash keeps it working", async () => {
    const w = world();
    const typed = "ﬁnal answer²";
    expect(typed.normalize("NFKC")).to.not.equal(typed);
    await importUser({ ...user, passwordHash: legacy(typed) }, { dryRun: false }, w.deps);
    expect((await login({ email: user.email, password: typed }, w.deps)).user.id).to.equal("ada0001");
    expect(w.store.accounts.get("ada0001")?.passwordHash).to.match(/^fake\$/);
    expect((await login({ email: user.email, password: typed }, w.deps)).user.id, "after the re-hash").to.equal("ada0001");
  });

  it("a uid that Firebase Auth gives to a user with another email is refused before anything is written (its users/{uid} untouched)", async () => {
    const w = world();
    await w.authUsers.create({ uid: "ada0001", email: "someone.else@example.com", displayName: "Someone" });
    w.store.users.set("ada0001", {
      uid: "ada0001",
      email: "someone.else@example.com",
      displayName: "Someone",
      roleId: 1,
      createdAt: new Date(0),
    });
    expect(await rejected(importUser(user, { dryRun: false }, w.deps))).to.equal(
      "uid ada0001 belongs to a Firebase Auth user with another email",
    );
    expect(w.store.users.get("ada0001")?.email).to.equal("someone.else@example.com");
    expect(w.store.accounts.size).to.equal(0);
  });

  it("a uid that Firebase Auth gives to a user without an email (phone, anonymous) is refused before anything is written, --dry-run included", async () => {
    const w = world();
    w.authUsers.withoutEmail.add("ada0001");
    const theirs = { uid: "ada0001", email: "", displayName: "", roleId: 0, createdAt: new Date(0) };
    w.store.users.set("ada0001", theirs);
    const reason = "uid ada0001 belongs to a Firebase Auth user without an email (a phone or anonymous user)";
    expect(await rejected(importUser(user, { dryRun: true }, w.deps)), "--dry-run").to.equal(reason);
    expect(await rejected(importUser(user, { dryRun: false }, w.deps))).to.equal(reason);
    expect(w.store.users.get("ada0001")).to.equal(theirs);
    expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 1, sessions: 0 });
    expect(w.authUsers.users.size).to.equal(0);
  });
});
