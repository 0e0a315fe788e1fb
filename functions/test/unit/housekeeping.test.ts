import { expect } from "chai";
import { forgetDeletedUser, PURGE_BUDGET_MS, PURGE_STEP, purgeExpired } from "../../src/domain/housekeeping.js";
import { signup } from "../../src/domain/signup.js";
import { world } from "./fakes.js";
import { login } from "./sign-in.js";

const password = "correct horse battery";

/** A stopwatch that never moves: a run's budget is never spent. */
const noTime = () => 0;

/** A stopwatch that moves a sixth of the budget each time it is read: a run gets six steps. */
function sixths(): () => number {
  let reads = 0;
  return () => (reads++ * PURGE_BUDGET_MS) / 6;
}

type World = ReturnType<typeof world>;

/** `n` mailed codes that expire one second after the clock's now plus `offsetSeconds`. */
function addCodes(w: World, n: number, offsetSeconds: number, prefix: string): void {
  const expiresAt = new Date(w.clock.now().getTime() + (offsetSeconds + 1) * 1000);
  for (let i = 0; i < n; i++) {
    w.codes.codes.set(`${prefix}${i}`, {
      uid: "u",
      digest: "d",
      newEmail: null,
      tries: 0,
      issuedAt: w.clock.now(),
      expiresAt,
    });
  }
}

/** `n` trust markers (throttle store) that expire one second after the clock's now plus `offsetSeconds`. */
function addTrustMarkers(w: World, n: number, offsetSeconds: number, prefix: string): void {
  const until = new Date(w.clock.now().getTime() + (offsetSeconds + 1) * 1000);
  for (let i = 0; i < n; i++) w.throttle.trusted.set(`${prefix}${i}`, { until, epoch: 0 });
}

describe("housekeeping (in-memory fakes, manual clock)", () => {
  it("purges refresh tokens past their idle expiry, keeps the live ones", async () => {
    const w = world();
    await signup({ email: "a@example.com", password }, w.deps);
    w.clock.advance(3000);
    await login({ email: "a@example.com", password }, w.deps);
    w.clock.advance(700); // the first token (idle 3600 s) is now expired, the second is not
    expect(await purgeExpired(w.deps, noTime)).to.deep.equal({ deleted: 1, backlogLeft: false });
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
    expect(await purgeExpired(w.deps, noTime)).to.deep.equal({ deleted: 1, backlogLeft: false });
    expect(w.throttle.counters.size).to.equal(counters);
    w.clock.advance(1);
    expect(await purgeExpired(w.deps, noTime)).to.deep.equal({ deleted: counters, backlogLeft: false });
    expect(w.throttle.counters.size).to.equal(0);
  });

  it("more expired documents than one step: one run deletes them all, step by step, and keeps the live ones", async () => {
    const w = world();
    await signup({ email: "d@example.com", password }, w.deps);
    addCodes(w, 2 * PURGE_STEP + 7, -2, "old"); // expired a second ago
    addCodes(w, 3, 7200, "new");
    addTrustMarkers(w, PURGE_STEP + 1, -2, "old");
    addTrustMarkers(w, 2, 7200, "new");
    w.clock.advance(3600); // the session's first token (idle 3600 s) expires too
    const expired = 2 * PURGE_STEP + 7 + PURGE_STEP + 1 + 1;
    expect(await purgeExpired(w.deps, noTime)).to.deep.equal({ deleted: expired, backlogLeft: false });
    expect([...w.codes.codes.keys()].sort()).to.deep.equal(["new0", "new1", "new2"]);
    expect([...w.throttle.trusted.keys()].sort()).to.deep.equal(["new0", "new1"]);
    expect(w.store.sessions.size).to.equal(0);
    expect(await purgeExpired(w.deps, noTime)).to.deep.equal({ deleted: 0, backlogLeft: false });
  });

  it("a run stops when its budget is spent, reports the backlog, and the next runs go on until none is left", async () => {
    const w = world();
    addCodes(w, 2 * PURGE_STEP + 100, -2, "old");
    // Six steps a run: sessions and throttle (nothing expired: done at once), codes, challenges and
    // passkey challenges (none), and codes again.
    expect(await purgeExpired(w.deps, sixths())).to.deep.equal({ deleted: 2 * PURGE_STEP, backlogLeft: true });
    expect(w.codes.codes.size).to.equal(100);
    expect(await purgeExpired(w.deps, sixths())).to.deep.equal({ deleted: 100, backlogLeft: false });
    expect(w.codes.codes.size).to.equal(0);
  });

  it("the stores take turns: a backlog in one does not starve the others", async () => {
    const w = world();
    addTrustMarkers(w, 3 * PURGE_STEP, -2, "old");
    addCodes(w, 3 * PURGE_STEP, -2, "old");
    // Steps: sessions (done), throttle, codes, challenges and passkey challenges (done), throttle;
    // then the budget is spent.
    expect(await purgeExpired(w.deps, sixths())).to.deep.equal({ deleted: 3 * PURGE_STEP, backlogLeft: true });
    expect([w.throttle.trusted.size, w.codes.codes.size]).to.deep.equal([PURGE_STEP, 2 * PURGE_STEP]);
  });

  it("a user deleted outside the API: sessions, uid index and credential go; the email is free again", async () => {
    const w = world();
    const created = await signup({ email: "b@example.com", password }, w.deps);
    w.authUsers.users.delete(created.user.id); // deleted in the console: that is what fires the trigger
    await forgetDeletedUser(created.user.id, w.deps);
    expect(w.store.sizes()).to.deep.equal({ credentials: 0, accounts: 0, users: 1, sessions: 0 });
    await signup({ email: "b@example.com", password }, w.deps);
    await forgetDeletedUser(created.user.id, w.deps); // idempotent, leaves the new account alone
    expect(w.store.sizes().accounts).to.equal(1);
  });
});
