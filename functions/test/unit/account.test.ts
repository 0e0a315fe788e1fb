import { expect } from "chai";
import { changePassword, deleteAccount, getMe, updateMe } from "../../src/domain/account.js";
import { sessionHolds } from "../../src/domain/live-session.js";
import { refresh } from "../../src/domain/refresh.js";
import { startSession } from "../../src/domain/session.js";
import { signup } from "../../src/domain/signup.js";
import { failure } from "./failure.js";
import { type Step, signedUpWorld } from "./fakes.js";
import { login } from "./sign-in.js";

const email = "ada@example.com";
const password = "correct horse battery";

const signedUp = () => signedUpWorld({ email, password, name: "Ada" });

describe("account use cases (in-memory fakes)", () => {
  it("getMe returns the server record; a missing or disabled account is not_found", async () => {
    const { w, uid } = await signedUp();
    expect(await getMe(uid, w.deps)).to.deep.equal({ id: uid, roleId: 1, name: "Ada", email, emailVerified: false, mfaEnabled: false });
    expect((await failure(getMe("nobody", w.deps))).code).to.equal("not_found");
  });

  it("updateMe keeps users/{uid}, the credential and the Auth user in step", async () => {
    const { w, uid } = await signedUp();
    const user = await updateMe(uid, { name: "  Ada King ", photoUrl: "https://example.com/a.png" }, w.deps);
    expect(user.name).to.equal("Ada King");
    expect(w.store.accounts.get(uid)?.displayName).to.equal("Ada King");
    expect(w.store.users.get(uid)?.displayName).to.equal("Ada King");
    expect(w.authUsers.users.get(uid)?.displayName).to.equal("Ada King");
    expect(w.store.photos.get(uid)).to.equal("https://example.com/a.png");
    expect((await failure(updateMe(uid, { name: "null" }, w.deps))).code).to.equal("invalid_request");
  });

  it("changePassword: wrong current -> 401; weak new -> 400 on new_password; success ends every other session", async () => {
    const { w, uid, token } = await signedUp();
    const other = await login({ email, password }, w.deps);
    const wrong = await failure(changePassword(uid, { currentPassword: "nope nope nope", newPassword: "another good one" }, w.deps));
    expect([wrong.code, wrong.details.field]).to.deep.equal(["invalid_credentials", "current_password"]);
    const weak = await failure(changePassword(uid, { currentPassword: password, newPassword: "short" }, w.deps));
    expect([weak.code, weak.details.field, weak.details.reason]).to.deep.equal(["weak_password", "new_password", "too_short"]);

    const liveBefore = [...w.store.live.keys()];
    const result = await changePassword(uid, { currentPassword: password, newPassword: "another good one" }, w.deps);
    // Every live session record ended with the new hash (one transaction); Firebase's refresh tokens after it.
    expect(w.authUsers.firebaseRevocations).to.deep.equal([uid]);
    expect(liveBefore).to.have.length(2);
    expect([...w.store.live.keys()]).to.have.length(1);
    expect(liveBefore.some((sid) => w.store.live.has(sid))).to.equal(false);
    for (const old of [token, other.refreshToken]) {
      expect((await failure(refresh({ refreshToken: old }, w.deps))).code).to.equal("invalid_refresh_token");
    }
    await refresh({ refreshToken: result.refreshToken }, w.deps);
    expect((await failure(login({ email, password }, w.deps))).code).to.equal("invalid_credentials");
    await login({ email, password: "another good one" }, w.deps);
  });

  it("changePassword: a login that read the old hash before the change gets a session that is not live (older epoch), whenever it was written", async () => {
    const { w, uid } = await signedUp();
    // The race, made deterministic: the racing login read the credential (old hash, old epoch)
    // before the change, and writes its session only after the change revoked every session.
    const readBefore = await w.store.findByUid(uid);
    if (readBefore === null) throw new Error("no account");
    await changePassword(uid, { currentPassword: password, newPassword: "another good one" }, w.deps);
    const racing = startSession(readBefore, w.clock.now(), w.deps.lifetimes);
    await w.store.sessionStore.create(racing.record);
    const sid = racing.record.sessionId;
    const state = await w.store.sessionStore.liveState(sid, uid);
    expect(state.session?.sessionEpoch).to.equal(0);
    expect(state.current?.sessionEpoch).to.equal(1);
    expect(sessionHolds({ uid, sid, role_id: 1 }, state, w.clock.now()), "the racing login's Firebase session").to.equal(false);
    expect((await failure(refresh({ refreshToken: racing.refreshToken }, w.deps))).code).to.equal("invalid_refresh_token");
    const fresh = await login({ email, password: "another good one" }, w.deps);
    await refresh({ refreshToken: fresh.refreshToken }, w.deps);
  });

  it("changePassword retried after a lost answer (the caller's token is revoked by then): a fresh session, the change made once", async () => {
    const { w, uid } = await signedUp();
    const change = { currentPassword: password, newPassword: "another good one" };
    await changePassword(uid, change, w.deps); // its answer is lost
    const epoch = w.store.accounts.get(uid)?.sessionEpoch;
    const hash = w.store.accounts.get(uid)?.passwordHash;
    const retried = await changePassword(uid, { ...change, sessionEnded: true }, w.deps);
    expect(retried.jwtToken).to.equal(`custom-token-for-${uid}`);
    expect([w.store.accounts.get(uid)?.sessionEpoch, w.store.accounts.get(uid)?.passwordHash]).to.deep.equal([epoch, hash]);
    await refresh({ refreshToken: retried.refreshToken }, w.deps); // a live session of the current epoch
    await login({ email, password: "another good one" }, w.deps);
  });

  it("changePassword failing at the password write (nothing changed, no session ended): a retry makes the change", async () => {
    const { w, uid } = await signedUp();
    const change = { currentPassword: password, newPassword: "another good one" };
    w.faults.failAt("accounts.setPasswordHash");
    const lost = await changePassword(uid, change, w.deps).then(
      () => "answered",
      (error: unknown) => String(error),
    );
    expect(lost).to.include("injected failure");
    expect(w.authUsers.firebaseRevocations).to.deep.equal([]); // one transaction: the hash and the sessions' end, or nothing
    expect(w.store.live.size).to.equal(1);
    w.faults.heal();
    const retried = await changePassword(uid, { ...change, sessionEnded: true }, w.deps);
    await refresh({ refreshToken: retried.refreshToken }, w.deps);
    await login({ email, password: "another good one" }, w.deps);
    expect((await failure(login({ email, password }, w.deps))).code).to.equal("invalid_credentials");
  });

  it("changePassword with a revoked token and neither password right: 401, both checks counted by the throttle", async () => {
    const { w, uid } = await signedUp();
    const [verificationsBefore, reservationsBefore] = [w.hasher.verifications, w.throttle.writes];
    const error = await failure(
      changePassword(uid, { currentPassword: "nope nope nope", newPassword: "guess guess guess", sessionEnded: true }, w.deps),
    );
    expect([error.code, error.details.field]).to.deep.equal(["invalid_credentials", "current_password"]);
    expect(w.hasher.verifications - verificationsBefore).to.equal(2);
    expect(w.throttle.writes - reservationsBefore).to.equal(2); // two reservations, neither given back
  });

  it("deleteAccount: an account disabled by an administrator cannot delete itself (403), nothing deleted", async () => {
    const { w, uid } = await signedUp();
    const account = await w.store.findByUid(uid);
    await w.store.setDisabled(account?.emailKey ?? "", true);
    const sizes = w.store.sizes();
    const refused = await failure(deleteAccount(uid, { password }, w.deps));
    expect(refused.code).to.equal("forbidden");
    expect(w.store.sizes()).to.deep.equal(sizes);
  });

  it("deleteAccount: wrong password -> 401, nothing deleted; right password -> everything gone, email free", async () => {
    const { w, uid } = await signedUp();
    const wrong = await failure(deleteAccount(uid, { password: "not it at all" }, w.deps));
    expect(wrong.code).to.equal("invalid_credentials");
    expect(w.store.sizes()).to.deep.equal({ credentials: 1, accounts: 1, users: 1, sessions: 1 });

    await deleteAccount(uid, { password }, w.deps);
    expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 0, sessions: 0 });
    expect(w.authUsers.users.size).to.equal(0);
    await deleteAccount(uid, { password }, w.deps); // idempotent
    await signup({ email, password }, w.deps);
  });

  const steps: Step[] = ["accounts.setDisabled", "sessions.revoke", "accounts.deleteRecords", "authUsers.delete"];
  for (const step of steps) {
    it(`deleteAccount failing at ${step}: no login meanwhile, and a retry finishes the deletion`, async () => {
      const { w, uid } = await signedUp();
      w.faults.failAt(step);
      await deleteAccount(uid, { password }, w.deps).catch(() => undefined);
      w.faults.heal();
      if (step !== "accounts.setDisabled" && step !== "authUsers.delete") {
        expect((await failure(login({ email, password }, w.deps))).code).to.equal("invalid_credentials");
      }
      await deleteAccount(uid, { password }, w.deps);
      expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 0, sessions: 0 });
      expect(w.authUsers.users.size).to.equal(0);
    });
  }
});
