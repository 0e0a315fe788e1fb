import { expect } from "chai";
import { listUsers, setDisabled, setRole } from "../../src/domain/admin.js";
import { refresh } from "../../src/domain/refresh.js";
import { signup } from "../../src/domain/signup.js";
import { failure } from "./failure.js";
import { world } from "./fakes.js";
import { login } from "./sign-in.js";

const password = "correct horse battery";

async function setup() {
  const w = world();
  const admin = await signup({ email: "admin@example.com", password }, w.deps);
  const user = await signup({ email: "user@example.com", password }, w.deps);
  const record = w.store.accounts.get(admin.user.id);
  if (record === undefined) throw new Error("no admin");
  w.store.accounts.set(admin.user.id, { ...record, roleId: 9 });
  const caller = { uid: admin.user.id, claims: { role_id: 9 } };
  return { w, caller, adminUid: admin.user.id, uid: user.user.id, userToken: user.refreshToken };
}

describe("admin use cases (in-memory fakes)", () => {
  it("setRole updates the authority, the users display copy and the custom claims; login and refresh carry it", async () => {
    const { w, caller, uid, userToken } = await setup();
    const user = await setRole(caller, uid, 4, w.deps);
    expect(user.roleId).to.equal(4);
    expect(w.store.accounts.get(uid)?.roleId).to.equal(4);
    expect(w.store.users.get(uid)?.roleId).to.equal(4);
    expect(w.authUsers.roleClaims.get(uid)).to.equal(4);
    expect((await refresh({ refreshToken: userToken }, w.deps)).user.roleId).to.equal(4);
    expect((await login({ email: "user@example.com", password }, w.deps)).user.roleId).to.equal(4);
  });

  it("non-admins, demoted admins (stale claim) and unknown targets are refused", async () => {
    const { w, caller, adminUid, uid } = await setup();
    expect((await failure(setRole({ uid, claims: { role_id: 1 } }, adminUid, 9, w.deps))).code).to.equal("forbidden");
    expect((await failure(setRole({ uid, claims: { role_id: 9 } }, adminUid, 9, w.deps))).code).to.equal("forbidden");
    expect((await failure(setRole(caller, "nobody", 2, w.deps))).code).to.equal("not_found");
    const record = w.store.accounts.get(adminUid);
    if (record === undefined) throw new Error("no admin");
    w.store.accounts.set(adminUid, { ...record, roleId: 1 });
    expect((await failure(setRole(caller, uid, 2, w.deps))).code).to.equal("forbidden");
  });

  it("disable ends the user's sessions and blocks login and refresh; enable lets them log in again", async () => {
    const { w, caller, uid, userToken } = await setup();
    await setDisabled(caller, uid, true, w.deps);
    expect(w.authUsers.disabled.has(uid)).to.equal(true);
    expect(w.authUsers.firebaseRevocations).to.deep.equal([uid]);
    expect((await failure(refresh({ refreshToken: userToken }, w.deps))).code).to.equal("invalid_refresh_token");
    expect((await failure(login({ email: "user@example.com", password }, w.deps))).code).to.equal("invalid_credentials");
    await setDisabled(caller, uid, false, w.deps);
    await login({ email: "user@example.com", password }, w.deps);
    expect((await failure(setDisabled(caller, caller.uid, true, w.deps))).code).to.equal("forbidden");
  });

  it("listUsers: oldest first, pages of `limit` joined by next_cursor to the end, nothing repeated or skipped; null after the last", async () => {
    const { w, caller } = await setup();
    for (let i = 0; i < 23; i++) {
      w.clock.advance(i % 3 === 0 ? 0 : 1); // some made in the same millisecond: the tie-break holds
      await signup({ email: `u${String(i).padStart(2, "0")}@example.com`, password }, w.deps);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listUsers(caller, { limit: 10, cursor }, w.deps);
      seen.push(...page.users.map((u) => u.email));
      cursor = page.nextCursor ?? undefined;
      pages++;
      if (cursor !== undefined) expect(page.users).to.have.length(10);
    } while (cursor !== undefined);
    expect(pages).to.equal(3);
    expect(seen).to.have.length(25);
    expect(new Set(seen).size).to.equal(25);
    // In creation order, ties (the same millisecond: the manual clock) by credential id.
    const accounts = [...w.store.accounts.values()];
    const order = seen.map((email) => accounts.find((a) => a.email === email));
    const sorted = [...order].sort(
      (a, b) => (a?.createdAt.getTime() ?? 0) - (b?.createdAt.getTime() ?? 0) || ((a?.emailKey ?? "") < (b?.emailKey ?? "") ? -1 : 1),
    );
    expect(order).to.deep.equal(sorted);
    expect(new Set(order.map((a) => a?.createdAt.getTime())).size).to.be.below(25); // ties were there to break
    const first = (await listUsers(caller, {}, w.deps)).users[0];
    expect(Object.keys(first ?? {}).sort()).to.deep.equal([
      "createdAt",
      "disabled",
      "email",
      "emailVerified",
      "id",
      "mfaEnabled",
      "name",
      "roleId",
    ]);
  });

  it("listUsers by email prefix: only matches, in email order, paged; a cursor of the other order is refused", async () => {
    const { w, caller } = await setup();
    for (const email of ["bob@x.io", "ann@x.io", "amy@x.io", "al@x.io", "bea@x.io"]) await signup({ email, password }, w.deps);
    const one = await listUsers(caller, { emailPrefix: "a", limit: 2 }, w.deps);
    expect(one.users.map((u) => u.email)).to.deep.equal(["admin@example.com", "al@x.io"]);
    const two = await listUsers(caller, { emailPrefix: "a", limit: 2, cursor: one.nextCursor ?? "" }, w.deps);
    expect(two.users.map((u) => u.email)).to.deep.equal(["amy@x.io", "ann@x.io"]);
    expect(two.nextCursor).to.equal(null);
    const byCreation = (await listUsers(caller, { limit: 1 }, w.deps)).nextCursor ?? "";
    const refused = await failure(listUsers(caller, { emailPrefix: "a", cursor: byCreation }, w.deps));
    expect([refused.code, refused.details.field]).to.deep.equal(["invalid_request", "cursor"]);
    const tampered = (json: unknown) => Buffer.from(JSON.stringify(json)).toString("base64url");
    for (const cursor of [
      "junk",
      tampered({ c: "yesterday", k: "x" }),
      tampered([1]),
      tampered({ c: "2026-12-03T08:00:00.000Z", k: "a/b" }), // a document path, not an id
      tampered({ c: "0000-01-01T00:00:00.000Z", k: "a".repeat(64) }), // before any Firestore time
      tampered({ e: "a@x.io" }), // the other order's
    ]) {
      expect((await failure(listUsers(caller, { cursor }, w.deps))).details.field, cursor).to.equal("cursor");
    }
  });

  it("listUsers: disabled accounts are listed as such; non-admins and demoted admins are refused before any listing", async () => {
    const { w, caller, adminUid, uid } = await setup();
    await setDisabled(caller, uid, true, w.deps);
    const rows = (await listUsers(caller, {}, w.deps)).users;
    expect(rows.map((u) => [u.email, u.disabled]).sort()).to.deep.equal([
      ["admin@example.com", false],
      ["user@example.com", true],
    ]);
    expect((await failure(listUsers({ uid, claims: { role_id: 1 } }, {}, w.deps))).code).to.equal("forbidden");
    const record = w.store.accounts.get(adminUid);
    if (record === undefined) throw new Error("no admin");
    w.store.accounts.set(adminUid, { ...record, roleId: 1 });
    expect((await failure(listUsers(caller, {}, w.deps))).code).to.equal("forbidden");
  });
});
