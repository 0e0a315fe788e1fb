import { createHash } from "node:crypto";
import { expect } from "chai";
import { confirmEmailChange, requestEmailChange } from "../../src/domain/email-change.js";
import { importUser } from "../../src/domain/import-users.js";
import { EmailTakenError } from "../../src/domain/model.js";
import { signup } from "../../src/domain/signup.js";
import { failure, rejection } from "./failure.js";
import { signedUpWorld, world } from "./fakes.js";
import { login } from "./sign-in.js";

// Pinned with numbers written out: how many verifications a login spends on each kind of hash,
// the Auth-user repair that must not fail a login, and the logged steps of an email change's
// follow-ups (session 6's login and email-change code).
const typed = "ﬁnal answer²"; // NFKC: "final answer2"
const legacy = (pw: string) => `legacy$${createHash("sha256").update(pw).digest("hex")}`;

async function imported(passwordHash: string) {
  const w = world();
  await importUser({ email: "ada@example.com", passwordHash, uid: "ada0001" }, { dryRun: false }, w.deps);
  return w;
}

describe("pinned: verifications per login (foreign and own hashes, typed and NFKC forms)", () => {
  it("a foreign hash and an ASCII password: exactly 1 verification, right or wrong", async () => {
    const w = await imported(legacy("correct horse battery"));
    let before = w.hasher.verifications;
    await failure(login({ email: "ada@example.com", password: "wrong horse battery" }, w.deps));
    expect(w.hasher.verifications - before).to.equal(1);
    before = w.hasher.verifications;
    await login({ email: "ada@example.com", password: "correct horse battery" }, w.deps);
    expect(w.hasher.verifications - before).to.equal(1);
  });

  it("a password whose NFKC form differs: 2 verifications against a foreign hash (of either form, or wrong), never a short cut", async () => {
    let w = await imported(legacy(typed));
    let before = w.hasher.verifications;
    await login({ email: "ada@example.com", password: typed }, w.deps);
    expect(w.hasher.verifications - before).to.equal(2);
    w = await imported(legacy(typed.normalize("NFKC")));
    before = w.hasher.verifications;
    await login({ email: "ada@example.com", password: typed }, w.deps);
    expect(w.hasher.verifications - before).to.equal(2);
    w = await imported(legacy(typed.normalize("NFKC"))); // still foreign (the login above replaced it)
    before = w.hasher.verifications;
    expect((await failure(login({ email: "ada@example.com", password: "ﬁnal answer³" }, w.deps))).code).to.equal("invalid_credentials");
    expect(w.hasher.verifications - before).to.equal(2);
  });

  it("this backend's own hash and a non-NFKC password: 2 verifications (the NFKC form, and a dummy), as for an imported account or an unknown email: the input alone decides", async () => {
    const { w } = await signedUpWorld({ email: "bea@example.com", password: typed, name: "Bea" });
    const cost = async (email: string, expectFailure: boolean) => {
      const [verifications, dummies] = [w.hasher.verifications, w.hasher.dummyVerifications];
      const done = login({ email, password: typed }, w.deps);
      if (expectFailure) await failure(done);
      else await done;
      return [w.hasher.verifications - verifications, w.hasher.dummyVerifications - dummies];
    };
    expect(await cost("bea@example.com", false)).to.deep.equal([2, 1]);
    expect(await cost("nobody@example.com", true)).to.deep.equal([2, 2]);
  });
});

describe("pinned: the Auth-user repair at login", () => {
  it("Firebase Auth giving the address to another user does not fail the login (logged as sync_auth_user); any other failure does", async () => {
    const w = world();
    w.faults.failAt("authUsers.create", Object.assign(new Error("Auth out of reach"), { code: "app/network-error" }));
    await rejection(signup({ email: "cy@example.com", password: "correct horse battery" }, w.deps));
    const [uid] = [...w.store.accounts.keys()];
    w.faults.heal();
    w.faults.failAt("authUsers.ensure", new EmailTakenError());
    expect((await login({ email: "cy@example.com", password: "correct horse battery" }, w.deps)).user.id).to.equal(uid);
    expect(w.events.seen).to.include(`follow_up_failed:sync_auth_user:${uid}`);
    w.faults.failAt("authUsers.ensure", new Error("boom"));
    expect(((await rejection(login({ email: "cy@example.com", password: "correct horse battery" }, w.deps))) as Error).message).to.equal(
      "boom",
    );
  });
});

describe("pinned: the email change's logged follow-ups", () => {
  const email = "ada@example.com";
  const newEmail = "ada.new@example.com";
  const password = "correct horse battery";

  it("both revocations failing after the move: two revoke_sessions events, and the change stands", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    w.faults.failAt("sessions.revoke");
    w.faults.failAt("authUsers.revokeFirebaseSessions");
    expect((await confirmEmailChange(uid, { code: w.mailer.codeFor(newEmail) }, w.deps)).user.email).to.equal(newEmail);
    expect(w.events.seen.filter((e) => e === `follow_up_failed:revoke_sessions:${uid}`)).to.have.length(2);
  });

  it("an undo that fails is logged as undo_email_change, and the answer is still email_exists", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    w.faults.failAt("authUsers.changeEmail", new EmailTakenError());
    const store = w.store;
    const move = store.changeEmail.bind(store);
    let calls = 0;
    store.changeEmail = async (account, target, verified) => {
      calls++;
      if (calls === 2) throw new Error("the undo failed");
      return move(account, target, verified);
    };
    const refused = await failure(confirmEmailChange(uid, { code: w.mailer.codeFor(newEmail) }, w.deps));
    expect([refused.code, refused.status]).to.deep.equal(["email_exists", 409]);
    expect(w.events.seen).to.include(`follow_up_failed:undo_email_change:${uid}`);
  });

  it("an account disabled before the move: not_found with its sentence", async () => {
    const { w, uid } = await signedUpWorld({ email, password, name: "Ada" });
    await requestEmailChange(uid, { newEmail, password, language: "en" }, w.deps);
    const store = w.store;
    const move = store.changeEmail.bind(store);
    store.changeEmail = async (account, target, verified) => {
      await store.setDisabled(account.emailKey, true);
      return move(account, target, verified);
    };
    const refused = await failure(confirmEmailChange(uid, { code: w.mailer.codeFor(newEmail) }, w.deps));
    expect([refused.code, refused.status, refused.message]).to.deep.equal(["not_found", 404, "There is no account for this sign-in."]);
  });
});
