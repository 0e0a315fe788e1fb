import { expect } from "chai";
import { setDisabled, setRole } from "../../src/domain/admin.js";
import { login } from "../../src/domain/login.js";
import { refresh } from "../../src/domain/refresh.js";
import { signup } from "../../src/domain/signup.js";
import { failure } from "./failure.js";
import { world } from "./fakes.js";

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
});
