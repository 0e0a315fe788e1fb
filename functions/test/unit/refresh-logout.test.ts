import { expect } from "chai";
import { logout } from "../../src/domain/logout.js";
import { refresh } from "../../src/domain/refresh.js";
import { hashToken, successorToken } from "../../src/domain/tokens.js";
import { failure } from "./failure.js";
import { signedUpWorld } from "./fakes.js";
import { login } from "./sign-in.js";

const email = "linus@example.com";
const password = "correct horse battery";

const signedUp = () => signedUpWorld({ email, password, name: "Linus" });

describe("session cap (login, in-memory fakes, manual clock)", () => {
  it("past MAX_SESSIONS_PER_USER a new login ends the oldest sessions; rotations do not count twice", async () => {
    const { w, token: first } = await signedUp();
    const deps = { ...w.deps, maxSessions: 3 };
    const tokens = [first];
    for (let i = 0; i < 4; i++) {
      w.clock.advance(60);
      tokens.push((await login({ email, password }, deps)).refreshToken);
    }
    // 5 sessions made, 3 allowed: the two oldest (signup's, the first login's) are over.
    for (const old of tokens.slice(0, 2))
      expect((await failure(refresh({ refreshToken: old }, w.deps))).code).to.equal("invalid_refresh_token");
    const rotated = await refresh({ refreshToken: tokens[2] ?? "" }, w.deps);
    w.clock.advance(60);
    const newest = (await login({ email, password }, deps)).refreshToken; // ends the rotated session (the oldest now)
    expect((await failure(refresh({ refreshToken: rotated.refreshToken }, w.deps))).code).to.equal("invalid_refresh_token");
    for (const live of [tokens[3], tokens[4], newest]) await refresh({ refreshToken: live ?? "" }, w.deps);
  });
});

describe("refresh (use case, in-memory fakes, manual clock)", () => {
  it("rotates: a new custom token and a new refresh token; the old one is marked used", async () => {
    const { w, uid, token } = await signedUp();
    w.clock.advance(60);
    const result = await refresh({ refreshToken: token }, w.deps);
    expect(result.user.id).to.equal(uid);
    expect(result.refreshToken).to.not.equal(token);
    const parent = w.store.sessions.get(hashToken(token));
    const child = w.store.sessions.get(hashToken(result.refreshToken));
    expect(parent?.rotatedAt).to.deep.equal(w.clock.now());
    expect(child?.sessionId).to.equal(parent?.sessionId);
    expect(child?.sessionExpiresAt).to.deep.equal(parent?.sessionExpiresAt);
    expect(w.minter.minted.at(-1)).to.deep.equal({ uid, claims: { role_id: 1, sid: parent?.sessionId, auth_methods: ["pwd"] } });
  });

  it("reuse of a rotated token -> refresh_token_reused, and the whole family is revoked", async () => {
    const { w, token } = await signedUp();
    const first = await refresh({ refreshToken: token }, w.deps);
    const second = await refresh({ refreshToken: first.refreshToken }, w.deps);
    w.clock.advance(11); // past the reuse interval (10 s)
    const error = await failure(refresh({ refreshToken: token }, w.deps));
    expect(error.code).to.equal("refresh_token_reused");
    expect(w.store.sessions.size).to.equal(0);
    expect((await failure(refresh({ refreshToken: second.refreshToken }, w.deps))).code).to.equal("invalid_refresh_token");
    expect(w.events.seen.some((e) => e.startsWith("refresh_token_reused:"))).to.equal(true);
  });

  it("reuse revokes only that family: another login's session lives on", async () => {
    const { w, token } = await signedUp();
    const other = await login({ email, password }, w.deps);
    await refresh({ refreshToken: token }, w.deps);
    w.clock.advance(11);
    await failure(refresh({ refreshToken: token }, w.deps));
    await refresh({ refreshToken: other.refreshToken }, w.deps);
  });

  it("parallel refreshes of one token are not theft: within the reuse interval every caller gets the SAME successor, stored once", async () => {
    const { w, token } = await signedUp();
    const results = await Promise.all(Array.from({ length: 4 }, () => refresh({ refreshToken: token }, w.deps)));
    expect(new Set(results.map((r) => r.refreshToken)).size).to.equal(1);
    expect(w.store.sessions.size).to.equal(2); // the parent (exchanged) and one child
    // A retry after a lost answer, 9 s later: the same successor again.
    w.clock.advance(9);
    expect((await refresh({ refreshToken: token }, w.deps)).refreshToken).to.equal(results[0]?.refreshToken);
    // The successor is single use as usual; past the interval the parent is reuse.
    const next = await refresh({ refreshToken: results[0]?.refreshToken ?? "" }, w.deps);
    expect((await refresh({ refreshToken: token }, w.deps)).refreshToken, "follows the chain to the live token").to.equal(
      next.refreshToken,
    );
    w.clock.advance(2);
    expect((await failure(refresh({ refreshToken: token }, w.deps))).code).to.equal("refresh_token_reused");
  });

  it("reuse interval 0 turns it off: a second exchange is reuse at once", async () => {
    const { w, token } = await signedUp();
    const deps = { ...w.deps, reuseIntervalSeconds: 0 };
    await refresh({ refreshToken: token }, deps);
    expect((await failure(refresh({ refreshToken: token }, deps))).code).to.equal("refresh_token_reused");
  });

  it("successors cannot be derived without the server's secret", () => {
    const a = successorToken(Buffer.from("a".repeat(32)), "t".repeat(43));
    expect(a).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(successorToken(Buffer.from("b".repeat(32)), "t".repeat(43))).to.not.equal(a);
    expect(successorToken(Buffer.from("a".repeat(32)), "t".repeat(43))).to.equal(a);
  });

  it("idle expiry and absolute expiry -> invalid_refresh_token (clock moved, no sleeping)", async () => {
    // Fakes: idle 3600 s, absolute 7200 s.
    const idle = await signedUp();
    idle.w.clock.advance(3600);
    expect((await failure(refresh({ refreshToken: idle.token }, idle.w.deps))).code).to.equal("invalid_refresh_token");

    const absolute = await signedUp();
    let current = absolute.token;
    for (let i = 0; i < 3; i++) {
      absolute.w.clock.advance(3000); // each refresh inside the idle window...
      if (i < 2) current = (await refresh({ refreshToken: current }, absolute.w.deps)).refreshToken;
    }
    // ...but 9000 s after login the absolute limit (7200 s) has passed.
    expect((await failure(refresh({ refreshToken: current }, absolute.w.deps))).code).to.equal("invalid_refresh_token");
  });

  it("the idle window of a rotated token never runs past the session's absolute end", async () => {
    const { w, token } = await signedUp();
    w.clock.advance(3000);
    const first = await refresh({ refreshToken: token }, w.deps);
    w.clock.advance(3000); // 6000 s after login: now + idle (9600) is past the absolute end (7200)
    const next = await refresh({ refreshToken: first.refreshToken }, w.deps);
    const child = w.store.sessions.get(hashToken(next.refreshToken));
    expect(child?.expiresAt).to.deep.equal(child?.sessionExpiresAt);
  });

  it("malformed tokens cost no read; unknown tokens one", async () => {
    const { w } = await signedUp();
    w.faults.calls.length = 0;
    for (const bad of ["", "x", "a".repeat(10_000), "null", `${"a".repeat(42)}=`]) {
      expect((await failure(refresh({ refreshToken: bad }, w.deps))).code).to.equal("invalid_refresh_token");
    }
    expect(w.faults.calls).to.deep.equal([]);
    await failure(refresh({ refreshToken: "A".repeat(43) }, w.deps));
    expect(w.faults.calls).to.deep.equal(["sessions.find"]);
  });

  it("a disabled or deleted account gets no new token; a changed role arrives in the claims", async () => {
    const { w, uid, token } = await signedUp();
    const account = w.store.accounts.get(uid);
    if (account === undefined) throw new Error("no account");
    w.store.accounts.set(uid, { ...account, roleId: 5 });
    const next = await refresh({ refreshToken: token }, w.deps);
    expect(next.user.roleId).to.equal(5);
    expect(w.minter.minted.at(-1)?.claims).to.deep.include({ role_id: 5 });

    w.store.accounts.set(uid, { ...account, disabled: true });
    expect((await failure(refresh({ refreshToken: next.refreshToken }, w.deps))).code).to.equal("invalid_refresh_token");
    w.store.accounts.delete(uid);
    expect((await failure(refresh({ refreshToken: next.refreshToken }, w.deps))).code).to.equal("invalid_refresh_token");
  });

  it("minting fails -> the presented token is not consumed and works on retry", async () => {
    const { w, token } = await signedUp();
    w.faults.failAt("minter.mint");
    await refresh({ refreshToken: token }, w.deps).catch(() => undefined);
    w.faults.heal();
    await refresh({ refreshToken: token }, w.deps);
  });
});

describe("logout (use case, in-memory fakes)", () => {
  it("ends that session only; twice, unknown or malformed tokens succeed silently", async () => {
    const { w, token } = await signedUp();
    const other = await login({ email, password }, w.deps);
    await logout({ refreshToken: token, allDevices: false }, w.deps);
    await logout({ refreshToken: token, allDevices: false }, w.deps);
    await logout({ refreshToken: "A".repeat(43), allDevices: false }, w.deps);
    await logout({ refreshToken: "nonsense", allDevices: true }, w.deps);
    expect((await failure(refresh({ refreshToken: token }, w.deps))).code).to.equal("invalid_refresh_token");
    await refresh({ refreshToken: other.refreshToken }, w.deps);
    expect(w.authUsers.firebaseRevocations).to.deep.equal([]);
  });

  it("all_devices ends every session of the user and revokes Firebase refresh tokens", async () => {
    const { w, uid, token } = await signedUp();
    const other = await login({ email, password }, w.deps);
    await logout({ refreshToken: token, allDevices: true }, w.deps);
    expect(w.store.sessions.size).to.equal(0);
    expect(w.authUsers.firebaseRevocations).to.deep.equal([uid]);
    expect((await failure(refresh({ refreshToken: other.refreshToken }, w.deps))).code).to.equal("invalid_refresh_token");
  });
});
