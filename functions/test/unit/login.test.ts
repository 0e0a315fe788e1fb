import { expect } from "chai";
import { signup } from "../../src/domain/signup.js";
import { hashToken } from "../../src/domain/tokens.js";
import { INVALID_CREDENTIALS_MESSAGE } from "../../src/errors.js";
import { failure } from "./failure.js";
import { world } from "./fakes.js";
import { login } from "./sign-in.js";

const email = "grace@example.com";
const password = "correct horse battery";

async function registered() {
  const w = world();
  const created = await signup({ email, password, name: "Grace" }, w.deps);
  w.store.sessions.clear();
  w.minter.minted.length = 0;
  return { w, uid: created.user.id };
}

describe("login (use case, in-memory fakes)", () => {
  it("right password -> token with role_id claim, a new session storing only the token's hash", async () => {
    const { w, uid } = await registered();
    const result = await login({ email: " GRACE@example.com", password }, w.deps);
    expect(result.user).to.deep.equal({ id: uid, roleId: 1, name: "Grace", email, emailVerified: false, mfaEnabled: false });
    expect(w.minter.minted).to.deep.equal([{ uid, claims: { role_id: 1, sid: [...w.store.live.keys()].at(-1), auth_methods: ["pwd"] } }]);
    const [session] = [...w.store.sessions.values()];
    expect(session?.uid).to.equal(uid);
    expect(session?.tokenHash).to.equal(hashToken(result.refreshToken));
    expect(session?.expiresAt.getTime()).to.be.at.most(session?.sessionExpiresAt.getTime() ?? 0);
  });

  it("unknown email, wrong password and disabled account -> one identical error", async () => {
    const { w, uid } = await registered();
    const unknown = await failure(login({ email: "nobody@example.com", password }, w.deps));
    const wrong = await failure(login({ email, password: "wrong horse battery" }, w.deps));
    const account = w.store.accounts.get(uid);
    if (account === undefined) throw new Error("no account");
    w.store.accounts.set(uid, { ...account, disabled: true });
    const disabled = await failure(login({ email, password }, w.deps));
    for (const error of [unknown, wrong, disabled]) {
      expect(error.code).to.equal("invalid_credentials");
      expect(error.message).to.equal(INVALID_CREDENTIALS_MESSAGE);
      expect(error.details).to.deep.equal({});
    }
    expect(w.store.sessions.size).to.equal(0);
    expect(w.minter.minted).to.have.length(0);
  });

  it("unknown email still spends one (dummy) verification: no quick exit", async () => {
    const { w } = await registered();
    await failure(login({ email: "nobody@example.com", password }, w.deps));
    expect(w.hasher.dummyVerifications).to.equal(1);
  });

  it("NFC and NFD forms of one password are the same password", async () => {
    const w = world();
    const nfc = "caf\u00e9 au lait 42";
    await signup({ email, password: nfc }, w.deps);
    await login({ email, password: nfc.normalize("NFD") }, w.deps);
  });

  it("a password with a NUL works; its prefix before the NUL does not", async () => {
    const w = world();
    await signup({ email, password: "before\u0000after-the-nul" }, w.deps);
    await login({ email, password: "before\u0000after-the-nul" }, w.deps);
    const error = await failure(login({ email, password: "before" }, w.deps));
    expect(error.code).to.equal("invalid_credentials");
  });

  it("an over-long or malformed password -> 400 before any lookup or hashing", async () => {
    const { w } = await registered();
    w.faults.calls.length = 0;
    for (const bad of ["x".repeat(1000), "\uDBFFx", ""]) {
      const error = await failure(login({ email, password: bad }, w.deps));
      expect(error.code).to.equal("invalid_request");
      expect(error.details.field).to.equal("password");
    }
    expect(w.faults.calls).to.deep.equal([]);
  });

  it("an account whose Auth user was never confirmed is repaired at login", async () => {
    const w = world();
    w.faults.failAt("authUsers.create");
    w.faults.failAt("accounts.deleteCreated");
    const error = await signup({ email, password }, w.deps).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(error)).to.include("authUsers.create");
    const [stuck] = [...w.store.accounts.values()];
    expect(stuck?.authUserSynced).to.equal(false);
    expect(w.authUsers.users.size).to.equal(0);

    w.faults.heal();
    const result = await login({ email, password }, w.deps);
    expect(w.authUsers.users.get(result.user.id)).to.deep.equal({
      uid: result.user.id,
      email,
      displayName: "grace",
      emailVerified: false,
    });
    expect(w.store.accounts.get(result.user.id)?.authUserSynced).to.equal(true);
    expect(w.events.seen).to.include(`auth_user_repaired:${result.user.id}`);
  });

  it("a hash made with weaker parameters is upgraded on a successful login", async () => {
    const { w, uid } = await registered();
    w.hasher.cost = 3;
    await login({ email, password }, w.deps);
    expect(w.store.accounts.get(uid)?.passwordHash).to.match(/^fake\$3\$/);
    expect(w.events.seen).to.include(`password_rehashed:${uid}`);
    await login({ email, password }, w.deps);
  });

  it("a failed upgrade does not block the login, and leaves the old hash", async () => {
    const { w, uid } = await registered();
    const before = w.store.accounts.get(uid)?.passwordHash;
    w.hasher.cost = 3;
    w.faults.failAt("hasher.hash");
    await login({ email, password }, w.deps);
    expect(w.events.seen).to.include(`follow_up_failed:rehash_password:${uid}`);
    expect(w.events.seen).to.not.include(`password_rehashed:${uid}`);
    expect(w.store.accounts.get(uid)?.passwordHash).to.equal(before);
  });

  it("a failing session write fails the login (no token without a session)", async () => {
    const { w } = await registered();
    w.faults.failAt("sessions.create");
    const counted = () => [...w.throttle.counters.values()].map((counter) => counter.count);
    try {
      await login({ email, password, clientNetwork: "203.0.113.9" }, w.deps);
      expect.fail("login should fail");
    } catch (error) {
      expect(String(error)).to.include("sessions.create");
    }
    // Nor is the success settled without its session: the check stays counted, as a failure's.
    expect(counted()).to.deep.equal([1, 1, 1]);
  });
});
