import { expect } from "chai";
import {
  auth,
  authBody,
  credentialOf,
  db,
  errorCode,
  post,
  signInWithCustomToken,
  snapshot,
  refreshTokenDoc as tokenDoc,
  uniqueEmail,
} from "./helpers.js";

const password = "correct horse battery staple";

async function account(tag: string) {
  const email = uniqueEmail(tag);
  const body = authBody(await post("/signup", { email, password, name: tag }));
  return { email, uid: body.user.id, refresh: body.refresh_token };
}

async function familyOf(token: string): Promise<number> {
  const sessionId = (await tokenDoc(token).get()).get("session_id") as string;
  return (await db().collection("auth_refresh_tokens").where("session_id", "==", sessionId).get()).size;
}

describe("sessions: refresh and logout through HTTP (emulators)", () => {
  it("refresh -> 200 with a new jwt_token and a NEW refresh_token; the new token signs in", async () => {
    const a = await account("rotate");
    const reply = await post("/refresh", { refresh_token: a.refresh });
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.headers.get("cache-control")).to.equal("no-store");
    const body = authBody(reply);
    expect(body.user.id).to.equal(a.uid);
    expect(body.refresh_token).to.not.equal(a.refresh);
    expect((await signInWithCustomToken(body.jwt_token)).localId).to.equal(a.uid);
    expect((await tokenDoc(a.refresh).get()).get("rotated_at")).to.not.equal(undefined);
    expect(await familyOf(body.refresh_token)).to.equal(2);
  });

  it("replaying a rotated token -> 401 refresh_token_reused and the whole family is revoked", async () => {
    const a = await account("replay");
    const child = authBody(await post("/refresh", { refresh_token: a.refresh }));
    const grandchild = authBody(await post("/refresh", { refresh_token: child.refresh_token }));
    const sessionId = (await tokenDoc(a.refresh).get()).get("session_id") as string;
    // Past the reuse interval (10 s): the exchange is dated back rather than waited for.
    await tokenDoc(a.refresh).update({ rotated_at: new Date(Date.now() - 11_000) });

    const replay = await post("/refresh", { refresh_token: a.refresh });
    expect(replay.status).to.equal(401);
    expect(errorCode(replay)).to.equal("refresh_token_reused");
    expect((await db().collection("auth_refresh_tokens").where("session_id", "==", sessionId).get()).size).to.equal(0);
    const after = await post("/refresh", { refresh_token: grandchild.refresh_token });
    expect(after.status).to.equal(401);
    expect(errorCode(after)).to.equal("invalid_refresh_token");
  });

  it("8 parallel refreshes of one token (FlutterFlow widgets, a double tap) -> all 200 with the SAME new token; one child stored; it stays single use", async () => {
    const a = await account("parallel");
    const replies = await Promise.all(Array.from({ length: 8 }, () => post("/refresh", { refresh_token: a.refresh })));
    expect(
      replies.map((r) => r.status),
      replies.map((r) => r.text).join("\n"),
    ).to.deep.equal(Array(8).fill(200));
    const tokens = new Set(replies.map((r) => authBody(r).refresh_token));
    expect(tokens.size).to.equal(1);
    const sessionId = (await tokenDoc(a.refresh).get()).get("session_id") as string;
    expect((await db().collection("auth_refresh_tokens").where("session_id", "==", sessionId).get()).size).to.equal(2);
    // Each answer's custom token signs in.
    for (const reply of replies.slice(0, 2)) expect((await signInWithCustomToken(authBody(reply).jwt_token)).localId).to.equal(a.uid);
    // A retry of the original after the answer was lost: the same token again.
    const retry = await post("/refresh", { refresh_token: a.refresh });
    expect(authBody(retry).refresh_token).to.equal([...tokens][0]);
    // Past the interval, presenting the original is reuse and ends the family.
    await tokenDoc(a.refresh).update({ rotated_at: new Date(Date.now() - 11_000) });
    expect(errorCode(await post("/refresh", { refresh_token: a.refresh }))).to.equal("refresh_token_reused");
    expect((await post("/refresh", { refresh_token: [...tokens][0] })).status).to.equal(401);
  });

  it("idle and absolute expiry -> 401 invalid_refresh_token (expiry set in the past, no sleeping)", async () => {
    const idle = await account("idle");
    await tokenDoc(idle.refresh).update({ expires_at: new Date(Date.now() - 1000) });
    const r1 = await post("/refresh", { refresh_token: idle.refresh });
    expect([r1.status, errorCode(r1)]).to.deep.equal([401, "invalid_refresh_token"]);

    const absolute = await account("absolute");
    await tokenDoc(absolute.refresh).update({ session_expires_at: new Date(Date.now() - 1000) });
    const r2 = await post("/refresh", { refresh_token: absolute.refresh });
    expect([r2.status, errorCode(r2)]).to.deep.equal([401, "invalid_refresh_token"]);
  });

  it("malformed, oversized, unknown and non-string tokens -> 401/400, nothing written", async () => {
    const cases: [unknown, number, string][] = [
      ["", 401, "invalid_refresh_token"],
      ["not-a-token", 401, "invalid_refresh_token"],
      ["A".repeat(43), 401, "invalid_refresh_token"],
      ["A".repeat(5000), 401, "invalid_refresh_token"],
      ["A".repeat(10_000), 413, "payload_too_large"],
      [12345, 400, "invalid_request"],
      [null, 400, "invalid_request"],
      [["x"], 400, "invalid_request"],
    ];
    for (const [token, status, expected] of cases) {
      const before = await snapshot();
      const reply = await post("/refresh", { refresh_token: token });
      expect([reply.status, errorCode(reply)], String(token).slice(0, 20)).to.deep.equal([status, expected]);
      expect(await snapshot()).to.deep.equal(before);
    }
  });

  it("refresh re-reads the account: a new role arrives in the claims; a disabled account gets 401", async () => {
    const a = await account("rerole");
    await credentialOf(a.email).update({ role_id: 3 });
    const next = authBody(await post("/refresh", { refresh_token: a.refresh }));
    expect(next.user.role_id).to.equal(3);
    expect((await signInWithCustomToken(next.jwt_token)).claims.role_id).to.equal(3);

    await credentialOf(a.email).update({ disabled: true });
    const denied = await post("/refresh", { refresh_token: next.refresh_token });
    expect([denied.status, errorCode(denied)]).to.deep.equal([401, "invalid_refresh_token"]);
  });

  it("logout ends that session; twice or with an unknown token still 200 with the same body", async () => {
    const a = await account("logout");
    const other = authBody(await post("/login", { email: a.email, password }));
    const replies = [
      await post("/logout", { refresh_token: a.refresh }),
      await post("/logout", { refresh_token: a.refresh }),
      await post("/logout", { refresh_token: "A".repeat(43) }),
      await post("/logout", { refresh_token: "garbage" }),
    ];
    for (const reply of replies) {
      expect(reply.status).to.equal(200);
      expect(reply.json).to.deep.equal({ logged_out: true });
    }
    expect((await post("/refresh", { refresh_token: a.refresh })).status).to.equal(401);
    expect((await post("/refresh", { refresh_token: other.refresh_token })).status).to.equal(200);
  });

  it("logout with all_devices ends every session and revokes the user's Firebase refresh tokens", async () => {
    const a = await account("everywhere");
    const other = authBody(await post("/login", { email: a.email, password }));
    const before = (await auth().getUser(a.uid)).tokensValidAfterTime;
    await new Promise((r) => setTimeout(r, 1100)); // tokensValidAfterTime has one-second resolution
    const reply = await post("/logout", { refresh_token: a.refresh, all_devices: true });
    expect(reply.status).to.equal(200);
    expect((await db().collection("auth_refresh_tokens").where("uid", "==", a.uid).get()).size).to.equal(0);
    expect((await post("/refresh", { refresh_token: other.refresh_token })).status).to.equal(401);
    expect((await auth().getUser(a.uid)).tokensValidAfterTime).to.not.equal(before);
  });

  it('all_devices must be a JSON boolean ("true" as a string -> 400)', async () => {
    const reply = await post("/logout", { refresh_token: "A".repeat(43), all_devices: "true" });
    expect([reply.status, errorCode(reply)]).to.deep.equal([400, "invalid_request"]);
  });
});
