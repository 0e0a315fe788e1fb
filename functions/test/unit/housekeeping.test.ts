import { expect } from "chai";
import { forgetDeletedUser, purgeExpired } from "../../src/domain/housekeeping.js";
import { login } from "../../src/domain/login.js";
import { signup } from "../../src/domain/signup.js";
import { world } from "./fakes.js";

const password = "correct horse battery";

describe("housekeeping (in-memory fakes, manual clock)", () => {
  it("purges refresh tokens past their idle expiry, keeps the live ones", async () => {
    const w = world();
    await signup({ email: "a@example.com", password }, w.deps);
    w.clock.advance(3000);
    await login({ email: "a@example.com", password }, w.deps);
    w.clock.advance(700); // the first token (idle 3600 s) is now expired, the second is not
    expect(await purgeExpired(w.deps)).to.equal(1);
    expect(w.store.sessions.size).to.equal(1);
  });

  it("purges throttle counters and trust markers past their expiry, with the sessions, in one run", async () => {
    const w = world();
    await signup({ email: "c@example.com", password }, w.deps);
    await login({ email: "c@example.com", password: "wrong password!" }, w.deps).catch(() => undefined);
    await login({ email: "c@example.com", password: "wrong password!" }, w.deps).catch(() => undefined);
    const counters = w.throttle.counters.size;
    expect(counters, "the failed logins' counters").to.be.greaterThan(0);
    // NOW is 12:00:00: the account counter's window ends at 13:00, and it is kept for its longest
    // lock (15 min) after that. The session's idle life (1 h) ended at 13:00.
    w.clock.advance(75 * 60 - 1);
    expect(await purgeExpired(w.deps)).to.equal(1);
    expect(w.throttle.counters.size).to.equal(counters);
    w.clock.advance(1);
    expect(await purgeExpired(w.deps)).to.equal(counters);
    expect(w.throttle.counters.size).to.equal(0);
  });

  it("a user deleted outside the API: sessions, uid index and credential go; the email is free again", async () => {
    const w = world();
    const created = await signup({ email: "b@example.com", password }, w.deps);
    w.authUsers.users.delete(created.user.id); // deleted in the console: that is what fires the trigger
    await forgetDeletedUser(created.user.id, w.deps);
    expect(w.store.sizes()).to.deep.equal({ index: 0, accounts: 0, users: 1, sessions: 0 });
    await signup({ email: "b@example.com", password }, w.deps);
    await forgetDeletedUser(created.user.id, w.deps); // idempotent, leaves the new account alone
    expect(w.store.sizes().accounts).to.equal(1);
  });
});
