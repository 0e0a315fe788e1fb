import { expect } from "chai";
import type { Auth, DecodedIdToken } from "firebase-admin/auth";
import { FirebaseIdTokenVerifier } from "../../src/adapters/firebase-id-token-verifier.js";
import { type LiveSession, type LiveState, RejectedIdToken } from "../../src/domain/model.js";
import { toAppError } from "../../src/errors.js";

// The verifier's decisions, with firebase-admin's answers played by a stub (the emulator tests
// use the real SDK; there a revoked token cannot be told apart from a forged one, as the Auth
// emulator's tokens are unsigned).
const token = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;
const failing = (code: string): Pick<Auth, "verifyIdToken"> => ({
  verifyIdToken: () => Promise.reject(Object.assign(new Error(code), { code })),
});

const NOW = new Date("2026-12-02T12:00:00Z");
const SID = "S".repeat(20);
const liveSession: LiveSession = { sessionId: SID, uid: "u1", sessionEpoch: 2, expiresAt: new Date("2027-01-01T00:00:00Z") };
const CURRENT = { sessionEpoch: 2, roleId: 1 };
const sessions = (live: LiveSession | null, current: LiveState["current"]) => ({
  liveState: (sid: string): Promise<LiveState> => Promise.resolve({ session: sid === SID ? live : null, current }),
});
const clock = { now: () => NOW };
const verifierOf = (auth: Pick<Auth, "verifyIdToken">, live: LiveSession | null = liveSession, current: LiveState["current"] = CURRENT) =>
  new FirebaseIdTokenVerifier(auth, sessions(live, current), clock);
const valid = (claims: Record<string, unknown>): Pick<Auth, "verifyIdToken"> => ({
  verifyIdToken: () => Promise.resolve({ uid: "u1", sub: "u1", ...claims } as unknown as DecodedIdToken),
});

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => value,
    (error: unknown) => error,
  );
}

describe("FirebaseIdTokenVerifier (firebase-admin stubbed)", () => {
  it("a valid token of a live session (same user, role, not past its end): its uid and claims", async () => {
    const claims = { role_id: 1, sid: SID };
    expect(await verifierOf(valid(claims)).verify(token({ sub: "u1", ...claims }))).to.deep.include({ uid: "u1" });
  });

  for (const [name, claims, live, current] of [
    ["no sid claim (a sign-in this backend did not make)", { role_id: 1 }, liveSession, CURRENT],
    ["its session ended (no live record)", { role_id: 1, sid: SID }, null, CURRENT],
    ["a stale role (minted before a role change)", { role_id: 9, sid: SID }, liveSession, CURRENT],
    ["the session of another user", { role_id: 1, sid: SID }, { ...liveSession, uid: "u2" }, CURRENT],
    ["a session past its absolute end", { role_id: 1, sid: SID }, { ...liveSession, expiresAt: NOW }, CURRENT],
    ["a session of an older epoch (a password change since)", { role_id: 1, sid: SID }, liveSession, { sessionEpoch: 3, roleId: 1 }],
    ["an account without its session mirror (deleted)", { role_id: 1, sid: SID }, liveSession, null],
  ] as const) {
    it(`a valid Firebase token, but ${name}: rejected; accepted only as "session_ended" where a route accepts that`, async () => {
      const verifier = verifierOf(valid(claims), live, current);
      expect(await outcome(verifier.verify(token({ sub: "u1", ...claims })))).to.be.instanceOf(RejectedIdToken);
      expect(await verifier.verify(token({ sub: "u1", ...claims }), ["session_ended"])).to.deep.include({
        uid: "u1",
        ended: "session_ended",
      });
    });
  }

  for (const code of [
    "auth/id-token-revoked",
    "auth/user-not-found",
    "auth/user-disabled",
    "auth/id-token-expired",
    "auth/argument-error",
  ]) {
    it(`${code} without an accepted ending: rejected (a 401 at the edge)`, async () => {
      const error = await outcome(verifierOf(failing(code)).verify(token({ sub: "u1" })));
      expect(error).to.be.instanceOf(RejectedIdToken);
    });
  }

  it("revoked, where the route accepts it: the caller, marked as ended (the uid from the verified token)", async () => {
    const caller = await verifierOf(failing("auth/id-token-revoked")).verify(token({ sub: "u1", role_id: 1 }), ["revoked"]);
    expect(caller).to.deep.include({ uid: "u1", ended: "revoked" });
    expect(caller.claims.role_id).to.equal(1);
  });

  it("a deleted user, where the route accepts it: the caller, marked as deleted; only the accepted ending passes", async () => {
    const deleted = verifierOf(failing("auth/user-not-found"));
    expect(await deleted.verify(token({ sub: "u2" }), ["user_deleted"])).to.deep.include({ uid: "u2", ended: "user_deleted" });
    expect(await outcome(deleted.verify(token({ sub: "u2" }), ["revoked"]))).to.be.instanceOf(RejectedIdToken);
    // A disabled user is never an accepted ending.
    expect(
      await outcome(verifierOf(failing("auth/user-disabled")).verify(token({ sub: "u3" }), ["revoked", "user_deleted"])),
    ).to.be.instanceOf(RejectedIdToken);
  });

  it("Auth out of reach: passed on as transient (503 at the edge), never a 401", async () => {
    const error = await outcome(verifierOf(failing("app/network-error")).verify("t", ["revoked"]));
    expect(error).to.not.be.instanceOf(RejectedIdToken);
    expect(toAppError(error).code).to.equal("unavailable");
  });
});
