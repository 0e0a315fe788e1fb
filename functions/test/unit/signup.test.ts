import { expect } from "chai";
import { LIMITS } from "../../src/config.js";
import { EmailTakenError } from "../../src/domain/model.js";
import { signup } from "../../src/domain/signup.js";
import { hashToken } from "../../src/domain/tokens.js";
import { AppError, toAppError } from "../../src/errors.js";
import { rejection } from "./failure.js";
import { type Step, world } from "./fakes.js";

const input = { email: "  Ada@Example.com ", password: "correct horse battery", name: "Ada" };

describe("signup (use case, in-memory fakes)", () => {
  it("creates index, account, users doc, session and Auth user; returns the FlutterFlow fields", async () => {
    const w = world();
    const result = await signup(input, w.deps);

    expect(result.user.id).to.match(/^[A-Za-z0-9]{20}$/);
    expect(result.user).to.deep.include({ roleId: 1, name: "Ada", email: "Ada@Example.com" });
    expect(result.expiresIn).to.equal(3600);
    expect(result.jwtToken).to.equal(`custom-token-for-${result.user.id}`);
    expect(result.refreshToken).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(w.store.sizes()).to.deep.equal({ credentials: 1, accounts: 1, users: 1, sessions: 1 });

    const account = w.store.accounts.get(result.user.id);
    expect(account?.authUserSynced).to.equal(true);
    expect(account?.passwordHash).to.not.include("correct horse");
    const [session] = [...w.store.sessions.values()];
    expect(session?.tokenHash).to.equal(hashToken(result.refreshToken));
    expect(w.authUsers.users.get(result.user.id)).to.deep.equal({
      uid: result.user.id,
      email: "ada@example.com",
      displayName: "Ada",
    });
    expect(w.minter.minted).to.deep.equal([
      { uid: result.user.id, claims: { role_id: 1, sid: [...w.store.live.keys()][0], auth_methods: ["pwd"] } },
    ]);
  });

  it("mints the token before writing anything (an IAM signBlob failure leaves nothing)", async () => {
    const w = world();
    w.faults.failAt("minter.mint");
    await rejection(signup(input, w.deps));
    expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 0, sessions: 0 });
    expect(w.authUsers.users.size).to.equal(0);
    expect(w.faults.calls).to.not.include("accounts.create");
  });

  it("defaults the name to the email's local part", async () => {
    const w = world();
    const result = await signup({ email: "james@yopmail.com", password: "correct horse battery" }, w.deps);
    expect(result.user.name).to.equal("james");
  });

  it("a second signup differing only in case and spaces, with another password -> email_exists, nothing more written", async () => {
    const w = world();
    await signup(input, w.deps);
    const error = await rejection(signup({ ...input, email: "ADA@example.COM", password: "another horse battery" }, w.deps));
    expect(error).to.be.instanceOf(AppError).and.include({ code: "email_exists" });
    expect(w.store.sizes()).to.deep.equal({ credentials: 1, accounts: 1, users: 1, sessions: 1 });
    expect(w.authUsers.users.size).to.equal(1);
  });

  it("the same signup sent again (a retry after a lost answer) signs in to the account the first one made", async () => {
    const w = world();
    const first = await signup(input, w.deps);
    const again = await signup({ ...input, email: "ADA@example.COM" }, w.deps);
    expect(again.user).to.deep.equal(first.user);
    expect(again.jwtToken).to.equal(`custom-token-for-${first.user.id}`);
    expect(again.refreshToken).to.not.equal(first.refreshToken);
    expect(w.store.sizes()).to.deep.equal({ credentials: 1, accounts: 1, users: 1, sessions: 2 });
    expect(w.authUsers.users.size).to.equal(1);
  });

  it("a repeated signup finishes what the first left undone (its Auth user), like a login", async () => {
    const w = world();
    w.faults.failAt("authUsers.create");
    w.faults.failAt("accounts.deleteCreated");
    await rejection(signup(input, w.deps)); // the undo failed too: the account is left, marked for repair
    w.faults.heal();
    const again = await signup(input, w.deps);
    expect(w.authUsers.users.has(again.user.id)).to.equal(true);
    expect(w.store.accounts.get(again.user.id)?.authUserSynced).to.equal(true);
  });

  it(`past ${LIMITS.signupRetrySeconds} s after the account was made, the same signup is a 409 again (no password check)`, async () => {
    const w = world();
    await signup(input, w.deps);
    w.clock.advance(LIMITS.signupRetrySeconds + 1);
    const hashes = w.hasher.verifications;
    const error = await rejection(signup(input, w.deps));
    expect(error).to.be.instanceOf(AppError).and.include({ code: "email_exists" });
    expect(w.hasher.verifications).to.equal(hashes);
  });

  it("weak passwords are refused before hashing, with a reason", async () => {
    const cases: [string, string][] = [
      ["short", "too_short"],
      ["password123", "common"],
      ["ada@example.com", "matches_email"],
      ["\uD800xxxxxxxxxx", "invalid_characters"],
      ["x".repeat(1000), "too_long"],
    ];
    for (const [password, reason] of cases) {
      const w = world();
      const error = await rejection(signup({ ...input, password }, w.deps));
      expect(error, password.slice(0, 20)).to.be.instanceOf(AppError);
      if (!(error instanceof AppError)) continue;
      expect(error.code).to.equal("weak_password");
      expect(error.details.reason).to.equal(reason);
      expect(w.faults.calls, reason).to.not.include("hasher.hash");
      expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 0, sessions: 0 });
    }
  });

  const failuresBeforeAuthUser: Step[] = ["hasher.hash", "minter.mint", "accounts.create"];
  for (const step of failuresBeforeAuthUser) {
    it(`failure at ${step} -> the error surfaces, nothing is left anywhere`, async () => {
      const w = world();
      w.faults.failAt(step);
      await rejection(signup(input, w.deps));
      expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 0, sessions: 0 });
      expect(w.authUsers.users.size).to.equal(0);
    });
  }

  it("failure at authUsers.create -> Firestore writes are undone, the email is free again", async () => {
    const w = world();
    w.faults.failAt("authUsers.create");
    await rejection(signup(input, w.deps));
    expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 0, sessions: 0 });
    expect(w.faults.calls).to.include.members(["authUsers.delete", "accounts.deleteCreated"]);

    const again = world();
    const result = await signup(input, again.deps);
    expect(result.user.email).to.equal("Ada@Example.com");
  });

  it("Auth out of reach (outcome unknown) -> the error surfaces as transient, the account is kept unsynced; the same signup then finishes it", async () => {
    const w = world();
    w.faults.failAt("authUsers.create", Object.assign(new Error("connect ECONNREFUSED"), { code: "app/network-error" }));
    const error = await rejection(signup(input, w.deps));
    expect(toAppError(error).code).to.equal("unavailable");
    const [kept] = [...w.store.accounts.values()];
    expect(kept?.authUserSynced).to.equal(false);
    expect(w.faults.calls).to.not.include("accounts.deleteCreated"); // no undo: a late create could leave an Auth user alone
    w.faults.heal();
    const again = await signup(input, w.deps);
    expect(again.user.id).to.equal(kept?.uid);
    expect(w.authUsers.users.has(again.user.id)).to.equal(true);
    expect(w.store.sizes()).to.deep.equal({ credentials: 1, accounts: 1, users: 1, sessions: 2 });
  });

  it("Auth already has a user with this email -> email_exists, Firestore writes undone", async () => {
    const w = world();
    w.faults.failAt("authUsers.create", new EmailTakenError());
    const error = await rejection(signup(input, w.deps));
    expect(error).to.be.instanceOf(AppError).and.include({ code: "email_exists" });
    expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 0, sessions: 0 });
  });

  it("the undo fails too -> reported, and the account stays marked for repair at login", async () => {
    const w = world();
    w.faults.failAt("authUsers.create");
    w.faults.failAt("accounts.deleteCreated");
    await rejection(signup(input, w.deps));
    const [account] = [...w.store.accounts.values()];
    expect(account?.authUserSynced).to.equal(false);
    expect(w.events.seen.some((e) => e.startsWith("rollback_failed:"))).to.equal(true);
  });

  it("marking the Auth user as synced fails -> signup still succeeds, the event is reported", async () => {
    const w = world();
    w.faults.failAt("accounts.setAuthUserSynced");
    const result = await signup(input, w.deps);
    expect(w.store.accounts.get(result.user.id)?.authUserSynced).to.equal(false);
    expect(w.events.seen).to.deep.equal([`follow_up_failed:mark_auth_user_synced:${result.user.id}`]);
  });

  it('refuses the literal name "null" (an unset FlutterFlow variable) and control characters', async () => {
    for (const name of ["null", "  ", "a\nb", "x".repeat(101)]) {
      const w = world();
      const error = await rejection(signup({ ...input, name }, w.deps));
      expect(error).to.be.instanceOf(AppError).and.include({ code: "invalid_request" });
      expect(w.store.sizes().credentials).to.equal(0);
    }
  });
});
