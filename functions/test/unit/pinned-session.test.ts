import { expect } from "chai";
import type { StoredRefreshToken } from "../../src/domain/model.js";
import { capSessions, continueSession, isExpired, presentedTokenHash, startSession } from "../../src/domain/session.js";

// Session lifetimes with clock values written out: the idle window, the absolute end on its own,
// both boundaries (a token is dead AT its expiry), the session cap's arithmetic, and which
// presented strings can be refresh tokens at all.

const T0 = new Date("2026-11-27T12:00:00.000Z");
const secondsIn = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const account = { uid: "uid-1", emailKey: "ek-1", sessionEpoch: 3 };

function stored(fields: Partial<StoredRefreshToken> = {}): StoredRefreshToken {
  return {
    tokenHash: "h",
    sessionId: "s",
    uid: "uid-1",
    emailKey: "ek-1",
    sessionEpoch: 3,
    methods: ["pwd"],
    createdAt: T0,
    expiresAt: secondsIn(3600),
    sessionExpiresAt: secondsIn(7200),
    rotatedAt: null,
    recorded: true,
    ...fields,
  };
}

describe("pinned: session lifetimes, expiry boundaries, the session cap", () => {
  it("a new session: the token lives for the idle window, the session for its absolute lifetime", () => {
    const { refreshToken, record } = startSession(account, T0, { idleSeconds: 3600, absoluteSeconds: 7200 });
    expect(refreshToken).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(record.tokenHash).to.equal(presentedTokenHash(refreshToken));
    expect(record).to.deep.include({ uid: "uid-1", emailKey: "ek-1", sessionEpoch: 3, createdAt: T0 });
    expect(record.sessionId).to.match(/^[A-Za-z0-9]{20}$/);
    expect(record.expiresAt.toISOString()).to.equal("2026-11-27T13:00:00.000Z");
    expect(record.sessionExpiresAt.toISOString()).to.equal("2026-11-27T14:00:00.000Z");
  });

  it("an idle window longer than the session ends with the session", () => {
    const { record } = startSession(account, T0, { idleSeconds: 7200, absoluteSeconds: 1800 });
    expect(record.expiresAt.toISOString()).to.equal("2026-11-27T12:30:00.000Z");
    expect(record.sessionExpiresAt.toISOString()).to.equal("2026-11-27T12:30:00.000Z");
  });

  it("a rotation keeps the family and its absolute end, and opens a new idle window that never passes it", () => {
    const parent = stored({ sessionId: "family", sessionExpiresAt: secondsIn(7200) });
    const early = continueSession(parent, secondsIn(600), { idleSeconds: 3600, absoluteSeconds: 7200 }, "R".repeat(43));
    expect(early.refreshToken).to.equal("R".repeat(43));
    expect(early.record).to.deep.include({
      sessionId: "family",
      uid: "uid-1",
      emailKey: "ek-1",
      sessionEpoch: 3,
      createdAt: secondsIn(600),
    });
    expect(early.record.expiresAt.toISOString()).to.equal("2026-11-27T13:10:00.000Z");
    expect(early.record.sessionExpiresAt.toISOString()).to.equal("2026-11-27T14:00:00.000Z");
    const late = continueSession(parent, secondsIn(5400), { idleSeconds: 3600, absoluteSeconds: 7200 }, "S".repeat(43));
    expect(late.record.expiresAt.toISOString()).to.equal("2026-11-27T14:00:00.000Z");
  });

  it("a token is dead at its idle expiry: alive at 3599.999 s, dead at 3600 s", () => {
    const token = stored();
    expect(isExpired(token, secondsIn(3599.999))).to.equal(false);
    expect(isExpired(token, secondsIn(3600))).to.equal(true);
  });

  it("the absolute end on its own ends a token whose idle window is still open", () => {
    const token = stored({ expiresAt: secondsIn(9000), sessionExpiresAt: secondsIn(7200) });
    expect(isExpired(token, secondsIn(7199.999))).to.equal(false);
    expect(isExpired(token, secondsIn(7200))).to.equal(true);
    expect(isExpired(token, secondsIn(8000))).to.equal(true);
  });

  it("only 43 base64url characters are hashed; anything else is refused without a read", () => {
    expect(presentedTokenHash("A".repeat(43))).to.equal("0f007385b6f9d4b7eeb2748605afe1a984a0a3bfa3f014d09e2a784ce9e5cd1a");
    expect(presentedTokenHash("abc_-ABC0123456789abcdefghijklmnopqrstuvwxy")).to.match(/^[0-9a-f]{64}$/);
    for (const bad of ["A".repeat(42), "A".repeat(44), `${"A".repeat(42)}=`, `${"A".repeat(42)}+`, ` ${"A".repeat(42)}`, ""]) {
      expect(presentedTokenHash(bad), JSON.stringify(bad)).to.equal(null);
    }
  });
});

describe("pinned: the session cap", () => {
  function fakeDeps(live: { sessionId: string; sessionExpiresAt: Date }[]) {
    const calls: string[] = [];
    const deps = {
      sessions: {
        liveSessions: async (uid: string) => {
          calls.push(`live:${uid}`);
          return live;
        },
        revokeSession: async (sessionId: string) => {
          calls.push(`revoke:${sessionId}`);
        },
      },
      accounts: {
        setSessionCount: async (emailKey: string, count: number) => {
          calls.push(`count:${emailKey}:${count}`);
        },
      },
    } as unknown as Parameters<typeof capSessions>[2];
    return { calls, deps };
  }
  const sessions = (n: number) => Array.from({ length: n }, (_, i) => ({ sessionId: `s${i}`, sessionExpiresAt: secondsIn(1000 - i) }));

  it("no query while the count with this login's session stays within the cap", async () => {
    const { calls, deps } = fakeDeps(sessions(5));
    expect(await capSessions({ uid: "u", emailKey: "ek", sessionCount: 1 }, 2, deps)).to.equal(0);
    expect(calls).to.deep.equal([]);
  });

  it("one past the cap: the query runs, the oldest (earliest absolute end) go, the true count is stored", async () => {
    const { calls, deps } = fakeDeps(sessions(4)); // s3 ends first, then s2
    expect(await capSessions({ uid: "u", emailKey: "ek", sessionCount: 2 }, 2, deps)).to.equal(2);
    expect(calls).to.deep.equal(["live:u", "revoke:s3", "revoke:s2", "count:ek:2"]);
  });

  it("an upper bound past the cap, but fewer live sessions: nothing ends, the count is corrected", async () => {
    const { calls, deps } = fakeDeps(sessions(1));
    expect(await capSessions({ uid: "u", emailKey: "ek", sessionCount: 9 }, 3, deps)).to.equal(0);
    expect(calls).to.deep.equal(["live:u", "count:ek:1"]);
  });
});
