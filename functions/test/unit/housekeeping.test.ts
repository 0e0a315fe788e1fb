import { expect } from "chai";
import { forgetDeletedUser, purgeExpiredSessions } from "../../src/domain/housekeeping.js";
import { login } from "../../src/domain/login.js";
import { signup } from "../../src/domain/signup.js";
import { world } from "./fakes.js";

const password = "correct horse battery";

describe("housekeeping (in-memory fakes, manual clock)", () => {
  it("purges refresh tokens past their idle expiry, keeps the live ones", async () => {
    const w = world();
    await signup({ email: "a@example.com", password }, w.signupDeps);
    w.clock.advance(3000);
    await login({ email: "a@example.com", password }, w.loginDeps);
    w.clock.advance(700); // the first token (idle 3600 s) is now expired, the second is not
    expect(await purgeExpiredSessions(w.housekeepingDeps)).to.equal(1);
    expect(w.store.sessions.size).to.equal(1);
  });

  it("a user deleted outside the API: sessions, uid index and credential go; the email is free again", async () => {
    const w = world();
    const created = await signup({ email: "b@example.com", password }, w.signupDeps);
    w.authUsers.users.delete(created.user.id); // deleted in the console: that is what fires the trigger
    await forgetDeletedUser(created.user.id, w.housekeepingDeps);
    expect(w.store.sizes()).to.deep.equal({ index: 0, accounts: 0, users: 1, sessions: 0 });
    await signup({ email: "b@example.com", password }, w.signupDeps);
    await forgetDeletedUser(created.user.id, w.housekeepingDeps); // idempotent, leaves the new account alone
    expect(w.store.sizes().accounts).to.equal(1);
  });
});
