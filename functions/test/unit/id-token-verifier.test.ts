import { expect } from "chai";
import type { Auth, DecodedIdToken } from "firebase-admin/auth";
import { FirebaseIdTokenVerifier } from "../../src/adapters/firebase-id-token-verifier.js";
import { RejectedIdToken } from "../../src/domain/model.js";
import { toAppError } from "../../src/errors.js";

// The verifier's decisions, with firebase-admin's answers played by a stub (the emulator tests
// use the real SDK; there a revoked token cannot be told apart from a forged one, as the Auth
// emulator's tokens are unsigned).
const token = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;
const failing = (code: string): Pick<Auth, "verifyIdToken"> => ({
  verifyIdToken: () => Promise.reject(Object.assign(new Error(code), { code })),
});

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => value,
    (error: unknown) => error,
  );
}

describe("FirebaseIdTokenVerifier (firebase-admin stubbed)", () => {
  it("a valid token: its uid and claims", async () => {
    const decoded = { uid: "u1", sub: "u1", role_id: 1 } as unknown as DecodedIdToken;
    const verifier = new FirebaseIdTokenVerifier({ verifyIdToken: () => Promise.resolve(decoded) });
    expect(await verifier.verify("t")).to.deep.include({ uid: "u1" });
  });

  for (const code of [
    "auth/id-token-revoked",
    "auth/user-not-found",
    "auth/user-disabled",
    "auth/id-token-expired",
    "auth/argument-error",
  ]) {
    it(`${code} without an accepted ending: rejected (a 401 at the edge)`, async () => {
      const error = await outcome(new FirebaseIdTokenVerifier(failing(code)).verify(token({ sub: "u1" })));
      expect(error).to.be.instanceOf(RejectedIdToken);
    });
  }

  it("revoked, where the route accepts it: the caller, marked as ended (the uid from the verified token)", async () => {
    const caller = await new FirebaseIdTokenVerifier(failing("auth/id-token-revoked")).verify(token({ sub: "u1", role_id: 1 }), [
      "revoked",
    ]);
    expect(caller).to.deep.include({ uid: "u1", ended: "revoked" });
    expect(caller.claims.role_id).to.equal(1);
  });

  it("a deleted user, where the route accepts it: the caller, marked as deleted; only the accepted ending passes", async () => {
    const deleted = new FirebaseIdTokenVerifier(failing("auth/user-not-found"));
    expect(await deleted.verify(token({ sub: "u2" }), ["user_deleted"])).to.deep.include({ uid: "u2", ended: "user_deleted" });
    expect(await outcome(deleted.verify(token({ sub: "u2" }), ["revoked"]))).to.be.instanceOf(RejectedIdToken);
    // A disabled user is never an accepted ending.
    expect(
      await outcome(new FirebaseIdTokenVerifier(failing("auth/user-disabled")).verify(token({ sub: "u3" }), ["revoked", "user_deleted"])),
    ).to.be.instanceOf(RejectedIdToken);
  });

  it("Auth out of reach: passed on as transient (503 at the edge), never a 401", async () => {
    const error = await outcome(new FirebaseIdTokenVerifier(failing("app/network-error")).verify("t", ["revoked"]));
    expect(error).to.not.be.instanceOf(RejectedIdToken);
    expect(toAppError(error).code).to.equal("unavailable");
  });
});
