import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { appSignedIn, closeApps, needsRules, reach, type SignedInApp } from "./app.js";
import { authBody, bearer, credentialOf, errorCode, post, type Reply, send, signInWithCustomToken, uniqueEmail } from "./helpers.js";

// Signed-in devices (issue 25), played as a FlutterFlow app plays them: accounts signed in on
// several devices over HTTP, each device exchanging its custom token at the Auth emulator
// (Firebase JS SDK), against the real Firestore emulator with firestore.rules loaded. Ending one
// device ends that device only: its refresh token, its ID token at this API, its reads under the
// rules (liveSession()); the others go on.
const password = "correct horse battery staple";
const ADMIN_ROLE_ID = 9;
const CHROME_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  id: string;
  device: string;
  created_at: string;
  last_used_at: string;
  current: boolean;
}

/** One device of an account: what the app holds, and its Firebase app (for the rules). */
interface Device {
  readonly uid: string;
  readonly sid: string;
  readonly idToken: string;
  refresh: string;
  readonly app?: SignedInApp;
}

const claimsOf = (idToken: string) =>
  JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;

/** A signed-in device from a signup/login answer: the custom token exchanged (SDK app when the rules are needed). */
async function deviceFrom(reply: Reply, withApp: boolean): Promise<Device> {
  expect(reply.status, reply.text).to.be.oneOf([200, 201]);
  const body = authBody(reply);
  if (withApp) {
    const app = await appSignedIn(body.jwt_token);
    return { uid: app.uid, sid: String(claimsOf(app.idToken).sid), idToken: app.idToken, refresh: body.refresh_token, app };
  }
  const session = await signInWithCustomToken(body.jwt_token);
  return { uid: session.localId, sid: String(session.claims.sid), idToken: session.idToken, refresh: body.refresh_token };
}

const signup = (email: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  post("/signup", { email, password, ...extra }, headers);
const login = (email: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  post("/login", { email, password, ...extra }, headers);

const get = (path: string, idToken?: string) => send(path, { method: "GET", headers: idToken === undefined ? {} : bearer(idToken) });
const del = (path: string, idToken: string) =>
  send(path, { method: "DELETE", headers: { ...bearer(idToken), "Content-Type": "application/json" }, body: "{}" });
const me = (idToken: string) => get("/me", idToken);

/** GET /sessions (or the administrator's list): its rows, after checking status and each row's exact keys. */
async function listed(path: string, idToken: string): Promise<Row[]> {
  const reply = await get(path, idToken);
  expect(reply.status, reply.text).to.equal(200);
  expect(Object.keys(reply.json as object)).to.deep.equal(["sessions"]);
  const rows = (reply.json as { sessions: Row[] }).sessions;
  for (const row of rows) {
    expect(Object.keys(row).sort(), JSON.stringify(row)).to.deep.equal(["created_at", "current", "device", "id", "last_used_at"]);
    expect(row.created_at).to.match(ISO);
    expect(row.last_used_at).to.match(ISO);
    expect(new Date(row.created_at).toISOString()).to.equal(row.created_at);
    expect(Date.parse(row.last_used_at)).to.be.at.least(Date.parse(row.created_at));
    expect(row.id).to.match(/^[A-Za-z0-9]{20}$/);
  }
  return rows;
}
const mine = (device: Device) => listed("/sessions", device.idToken);

/** A refresh that must work: the device's token moves on; the new custom token signs in. */
async function refreshes(device: Device, extra: Record<string, unknown> = {}): Promise<string> {
  const reply = await post("/refresh", { refresh_token: device.refresh, ...extra });
  expect(reply.status, reply.text).to.equal(200);
  const body = authBody(reply);
  device.refresh = body.refresh_token;
  const session = await signInWithCustomToken(body.jwt_token);
  expect(session.claims.sid, "a refresh continues the same session").to.equal(device.sid);
  return session.idToken;
}

async function refusedRefresh(token: string): Promise<void> {
  const reply = await post("/refresh", { refresh_token: token });
  expect([reply.status, errorCode(reply)], reply.text).to.deep.equal([401, "invalid_refresh_token"]);
}

async function refusedToken(idToken: string): Promise<void> {
  const reply = await me(idToken);
  expect([reply.status, errorCode(reply)], reply.text).to.deep.equal([401, "unauthenticated"]);
}

function fieldOf(reply: Reply): string | undefined {
  return (reply.json as { error?: { field?: string } } | undefined)?.error?.field;
}

const madeUpId = () =>
  Array.from(randomBytes(20), (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[b % 62]).join("");

describe("signed-in devices: list and end sessions over HTTP (emulators, real Firestore with the rules)", () => {
  before(needsRules("Signed-in devices test"));

  afterEach(closeApps);

  it("two devices of one account: GET /sessions lists both, newest first, named, ISO dates, current only on the caller's; no other keys", async () => {
    const email = uniqueEmail("devices.list");
    const before = Date.now();
    const a = await deviceFrom(await signup(email, { device_name: "Phone A" }), true);
    await pause(20);
    const b = await deviceFrom(await login(email, { device_name: "Laptop B" }), true);
    const after = Date.now();
    expect(a.sid).to.match(/^[A-Za-z0-9]{20}$/);
    expect(b.sid).to.match(/^[A-Za-z0-9]{20}$/);
    expect(a.sid).to.not.equal(b.sid);
    expect(a.uid).to.equal(b.uid);

    const fromA = await mine(a);
    expect(fromA.map((r) => [r.id, r.device, r.current])).to.deep.equal([
      [b.sid, "Laptop B", false],
      [a.sid, "Phone A", true],
    ]);
    for (const row of fromA) {
      expect(Date.parse(row.created_at)).to.be.within(before - 1000, after + 1000);
      expect(row.last_used_at, "not refreshed yet").to.equal(row.created_at);
    }
    expect(Date.parse(fromA[0]?.created_at ?? "")).to.be.greaterThan(Date.parse(fromA[1]?.created_at ?? ""));
    // Nothing of the token, its hash or the address in the answer.
    const text = (await get("/sessions", a.idToken)).text;
    for (const secret of [a.refresh, b.refresh, a.idToken, b.idToken]) expect(text).to.not.include(secret);
    expect(text).to.not.match(/198\.1[89]\.|"[a-z_]*(hash|token|ip|address)[a-z_]*"\s*:/i);

    // From B: the same list, B's own marked.
    expect((await mine(b)).map((r) => [r.id, r.current])).to.deep.equal([
      [b.sid, true],
      [a.sid, false],
    ]);
  });

  it("ending B from A (DELETE /sessions/{id}, body {}): B's refresh 401, B's ID token 401, B's rules read denied; A goes on", async () => {
    const email = uniqueEmail("devices.end");
    const a = await deviceFrom(await signup(email, { device_name: "Phone A" }), true);
    const b = await deviceFrom(await login(email, { device_name: "Laptop B" }), true);
    const bApp = b.app as SignedInApp;
    const aApp = a.app as SignedInApp;
    // Before: both reach the API and their users/{uid}; B's refresh works (B keeps the new token).
    expect(await reach(bApp)).to.deep.equal({ api: 200, rules: "allowed" });
    expect(await reach(aApp)).to.deep.equal({ api: 200, rules: "allowed" });
    await refreshes(b);
    const stashed = { refresh: b.refresh, idToken: b.idToken };

    const ended = await del(`/sessions/${b.sid}`, a.idToken);
    expect(ended.status, ended.text).to.equal(200);
    expect(ended.json).to.deep.equal({ ended: true });

    await refusedRefresh(stashed.refresh);
    await refusedToken(stashed.idToken);
    expect(await reach(bApp)).to.deep.equal({ api: 401, rules: "denied" });
    // A: its ID token, its rules read, its refresh.
    expect(await reach(aApp)).to.deep.equal({ api: 200, rules: "allowed" });
    const aAgain = await refreshes(a);
    expect((await me(aAgain)).status).to.equal(200);
    expect((await mine(a)).map((r) => [r.id, r.current])).to.deep.equal([[a.sid, true]]);
    // Ending it again: there is nothing left to end.
    const twice = await del(`/sessions/${b.sid}`, a.idToken);
    expect([twice.status, errorCode(twice)]).to.deep.equal([404, "not_found"]);
  });

  it("POST /sessions/{id}/revoke (body {}) does the same as DELETE; ending the caller's own session is a logout", async () => {
    const email = uniqueEmail("devices.revoke");
    const a = await deviceFrom(await signup(email, { device_name: "Phone A" }), true);
    const c = await deviceFrom(await login(email, { device_name: "Tablet C" }), true);
    const cApp = c.app as SignedInApp;
    expect(await reach(cApp)).to.deep.equal({ api: 200, rules: "allowed" });
    expect((await mine(a)).map((r) => r.id)).to.deep.equal([c.sid, a.sid]);

    const revoked = await post(`/sessions/${c.sid}/revoke`, {}, bearer(a.idToken));
    expect(revoked.status, revoked.text).to.equal(200);
    expect(revoked.json).to.deep.equal({ ended: true });
    await refusedRefresh(c.refresh);
    await refusedToken(c.idToken);
    expect(await reach(cApp)).to.deep.equal({ api: 401, rules: "denied" });
    expect((await mine(a)).map((r) => r.id)).to.deep.equal([a.sid]);

    // A ends its own session: a logout of this device.
    const aApp = a.app as SignedInApp;
    expect(await reach(aApp)).to.deep.equal({ api: 200, rules: "allowed" });
    const own = await del(`/sessions/${a.sid}`, a.idToken);
    expect(own.status, own.text).to.equal(200);
    expect(own.json).to.deep.equal({ ended: true });
    await refusedRefresh(a.refresh);
    await refusedToken(a.idToken);
    expect(await reach(aApp)).to.deep.equal({ api: 401, rules: "denied" });
    // The account itself is fine: a new login works and is the only session.
    const again = await deviceFrom(await login(email, { device_name: "Phone A" }), false);
    expect((await mine(again)).map((r) => [r.id, r.current])).to.deep.equal([[again.sid, true]]);
  });

  it("POST /sessions/revoke-others from A with B and C live: {ended_count: 2}; A keeps working, B and C refresh 401", async () => {
    const email = uniqueEmail("devices.others");
    const a = await deviceFrom(await signup(email, { device_name: "Phone A" }), true);
    const b = await deviceFrom(await login(email, { device_name: "Laptop B" }), true);
    const c = await deviceFrom(await login(email, { device_name: "Tablet C" }), false);
    expect((await mine(a)).map((r) => r.id)).to.deep.equal([c.sid, b.sid, a.sid]);
    expect(await reach(b.app as SignedInApp)).to.deep.equal({ api: 200, rules: "allowed" });

    const reply = await post("/sessions/revoke-others", {}, bearer(a.idToken));
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.json).to.deep.equal({ ended_count: 2 });

    await refusedRefresh(b.refresh);
    await refusedRefresh(c.refresh);
    await refusedToken(b.idToken);
    await refusedToken(c.idToken);
    expect(await reach(b.app as SignedInApp)).to.deep.equal({ api: 401, rules: "denied" });
    expect(await reach(a.app as SignedInApp)).to.deep.equal({ api: 200, rules: "allowed" });
    expect((await me(await refreshes(a))).status).to.equal(200);
    expect((await mine(a)).map((r) => [r.id, r.current])).to.deep.equal([[a.sid, true]]);
    // Again: nobody else to end.
    const again = await post("/sessions/revoke-others", {}, bearer(a.idToken));
    expect([again.status, again.json]).to.deep.equal([200, { ended_count: 0 }]);
  });

  it("a foreign id, a made-up id and a malformed id are 404 not_found; the other user's session goes on", async () => {
    const a = await deviceFrom(await signup(uniqueEmail("devices.caller")), false);
    const x = await deviceFrom(await signup(uniqueEmail("devices.other")), true);
    const xApp = x.app as SignedInApp;
    expect((await mine(x)).map((r) => r.id)).to.deep.equal([x.sid]);

    const foreign = [await del(`/sessions/${x.sid}`, a.idToken), await post(`/sessions/${x.sid}/revoke`, {}, bearer(a.idToken))];
    for (const reply of foreign) expect([reply.status, errorCode(reply)], reply.text).to.deep.equal([404, "not_found"]);
    const others = await post("/sessions/revoke-others", {}, bearer(a.idToken));
    expect([others.status, others.json]).to.deep.equal([200, { ended_count: 0 }]);
    // X is untouched: listed, its ID token, its rules read, its refresh.
    expect((await mine(x)).map((r) => r.id)).to.deep.equal([x.sid]);
    expect(await reach(xApp)).to.deep.equal({ api: 200, rules: "allowed" });
    expect((await me(await refreshes(x))).status).to.equal(200);

    const madeUp = madeUpId();
    expect(madeUp).to.have.length(20);
    for (const id of [madeUp, "abc.def", "x".repeat(19), "Ab-_Ab-_Ab-_Ab-_Ab-_", "a".repeat(129)]) {
      for (const reply of [await del(`/sessions/${id}`, a.idToken), await post(`/sessions/${id}/revoke`, {}, bearer(a.idToken))]) {
        expect([reply.status, errorCode(reply)], `${id}: ${reply.text}`).to.deep.equal([404, "not_found"]);
      }
    }
    // The caller's own session was not ended by any of these.
    expect((await mine(a)).map((r) => [r.id, r.current])).to.deep.equal([[a.sid, true]]);
    expect(await reach(xApp)).to.deep.equal({ api: 200, rules: "allowed" });
  });

  it("device_name: 65 characters or a control character -> 400 (field device_name, nothing made); absent -> the User-Agent's label; a refresh renames it and moves last_used_at", async () => {
    const email = uniqueEmail("devices.name");
    const long = "d".repeat(65);
    const tooLong = await signup(email, { device_name: long });
    expect([tooLong.status, errorCode(tooLong), fieldOf(tooLong)]).to.deep.equal([400, "invalid_request", "device_name"]);
    // Nothing was made: the same email signs up afterwards.
    const created = await signup(email, {}, { "User-Agent": CHROME_ON_WINDOWS });
    expect(created.status, created.text).to.equal(201);
    const a = await deviceFrom(created, false);
    expect((await mine(a)).map((r) => r.device)).to.deep.equal(["Chrome on Windows"]);

    for (const bad of [long, "Phone\u0007", "Phone\nA", "Tab\tlet", "x\u2028y", "x\u0085y"]) {
      const refused = await login(email, { device_name: bad });
      expect([refused.status, errorCode(refused), fieldOf(refused)], JSON.stringify(bad)).to.deep.equal([
        400,
        "invalid_request",
        "device_name",
      ]);
      const refusedRefresh = await post("/refresh", { refresh_token: a.refresh, device_name: bad });
      expect([refusedRefresh.status, errorCode(refusedRefresh), fieldOf(refusedRefresh)], JSON.stringify(bad)).to.deep.equal([
        400,
        "invalid_request",
        "device_name",
      ]);
    }
    expect(
      (await mine(a)).map((r) => [r.id, r.device]),
      "no refused login made a session, no refused refresh renamed",
    ).to.deep.equal([[a.sid, "Chrome on Windows"]]);

    // 64 characters is the most: kept as sent.
    const max = "M".repeat(64);
    const b = await deviceFrom(await login(email, { device_name: max }), false);
    expect((await mine(a)).map((r) => [r.id, r.device])).to.deep.equal([
      [b.sid, max],
      [a.sid, "Chrome on Windows"],
    ]);

    // A refresh with a name renames A (the refused refreshes above left its token usable) and moves last_used_at.
    const [rowBefore] = (await mine(a)).filter((r) => r.id === a.sid);
    expect(rowBefore?.last_used_at).to.equal(rowBefore?.created_at);
    await pause(50);
    await refreshes(a, { device_name: "Work PC" });
    const [renamed] = (await mine(a)).filter((r) => r.id === a.sid);
    expect(renamed?.device).to.equal("Work PC");
    expect(renamed?.created_at).to.equal(rowBefore?.created_at);
    expect(Date.parse(renamed?.last_used_at ?? "")).to.be.greaterThan(Date.parse(rowBefore?.last_used_at ?? ""));
    // A refresh without a name (another User-Agent) keeps the name, and moves last_used_at again.
    await pause(50);
    const refreshed = await post("/refresh", { refresh_token: a.refresh }, { "User-Agent": "Dart/3.5 (dart:io)" });
    expect(refreshed.status, refreshed.text).to.equal(200);
    a.refresh = authBody(refreshed).refresh_token;
    const [kept] = (await mine(a)).filter((r) => r.id === a.sid);
    expect(kept?.device).to.equal("Work PC");
    expect(Date.parse(kept?.last_used_at ?? "")).to.be.greaterThan(Date.parse(renamed?.last_used_at ?? ""));
    // The order is by sign-in, not by use: B (newer) stays first.
    expect((await mine(a)).map((r) => r.id)).to.deep.equal([b.sid, a.sid]);
  });

  it("administrators: list a user's sessions (current false), end one (its refresh 401, the other works); non-admin 403; unknown uid 404", async () => {
    const adminEmail = uniqueEmail("devices.admin");
    expect((await signup(adminEmail)).status).to.equal(201);
    await credentialOf(adminEmail).update({ role_id: ADMIN_ROLE_ID });
    const admin = await deviceFrom(await login(adminEmail, { device_name: "Admin desk" }), false);
    expect(claimsOf(admin.idToken).role_id).to.equal(ADMIN_ROLE_ID);

    const email = uniqueEmail("devices.member");
    const a = await deviceFrom(await signup(email, { device_name: "Phone A" }), true);
    const b = await deviceFrom(await login(email, { device_name: "Laptop B" }), true);
    const path = `/admin/users/${a.uid}/sessions`;

    const rows = await listed(path, admin.idToken);
    expect(rows.map((r) => [r.id, r.device, r.current])).to.deep.equal([
      [b.sid, "Laptop B", false],
      [a.sid, "Phone A", false],
    ]);
    // The administrator's own sessions, through the same route: none marked current either.
    expect((await listed(`/admin/users/${admin.uid}/sessions`, admin.idToken)).map((r) => r.current)).to.deep.equal([false, false]);

    // A non-admin (the member itself, or another user) gets 403, and ends nothing.
    for (const caller of [a, b]) {
      const list = await get(path, caller.idToken);
      expect([list.status, errorCode(list)]).to.deep.equal([403, "forbidden"]);
      const end = await del(`${path}/${b.sid}`, caller.idToken);
      expect([end.status, errorCode(end)]).to.deep.equal([403, "forbidden"]);
      const viaPost = await post(`${path}/${b.sid}/revoke`, {}, bearer(caller.idToken));
      expect([viaPost.status, errorCode(viaPost)]).to.deep.equal([403, "forbidden"]);
    }
    expect(await reach(b.app as SignedInApp)).to.deep.equal({ api: 200, rules: "allowed" });
    // No token: 401.
    const anonymous = await get(path);
    expect([anonymous.status, errorCode(anonymous)]).to.deep.equal([401, "unauthenticated"]);

    // Unknown uid: 404 for the list and the end; an id of another user's session under this uid: 404.
    const unknown = await get("/admin/users/NoSuchUser0000000000/sessions", admin.idToken);
    expect([unknown.status, errorCode(unknown)]).to.deep.equal([404, "not_found"]);
    const unknownEnd = await del(`/admin/users/NoSuchUser0000000000/sessions/${b.sid}`, admin.idToken);
    expect([unknownEnd.status, errorCode(unknownEnd)]).to.deep.equal([404, "not_found"]);
    const crossed = await del(`/admin/users/${admin.uid}/sessions/${b.sid}`, admin.idToken);
    expect([crossed.status, errorCode(crossed)]).to.deep.equal([404, "not_found"]);
    const madeUp = await del(`${path}/${madeUpId()}`, admin.idToken);
    expect([madeUp.status, errorCode(madeUp)]).to.deep.equal([404, "not_found"]);
    expect((await listed(path, admin.idToken)).map((r) => r.id)).to.deep.equal([b.sid, a.sid]);

    // The administrator ends B.
    const ended = await del(`${path}/${b.sid}`, admin.idToken);
    expect(ended.status, ended.text).to.equal(200);
    expect(ended.json).to.deep.equal({ ended: true });
    await refusedRefresh(b.refresh);
    await refusedToken(b.idToken);
    expect(await reach(b.app as SignedInApp)).to.deep.equal({ api: 401, rules: "denied" });
    expect(await reach(a.app as SignedInApp)).to.deep.equal({ api: 200, rules: "allowed" });
    expect((await me(await refreshes(a))).status).to.equal(200);
    expect((await listed(path, admin.idToken)).map((r) => r.id)).to.deep.equal([a.sid]);
    // POST .../revoke ends A the same way; then nothing is left.
    const viaPost = await post(`${path}/${a.sid}/revoke`, {}, bearer(admin.idToken));
    expect([viaPost.status, viaPost.json]).to.deep.equal([200, { ended: true }]);
    await refusedRefresh(a.refresh);
    expect(await listed(path, admin.idToken)).to.deep.equal([]);
    const again = await del(`${path}/${b.sid}`, admin.idToken);
    expect([again.status, errorCode(again)]).to.deep.equal([404, "not_found"]);
  });

  it("no token: GET /sessions, DELETE /sessions/{id} and POST /sessions/revoke-others -> 401 unauthenticated", async () => {
    const a = await deviceFrom(await signup(uniqueEmail("devices.anon")), false);
    const list = await get("/sessions");
    expect([list.status, errorCode(list)]).to.deep.equal([401, "unauthenticated"]);
    const end = await send(`/sessions/${a.sid}`, { method: "DELETE", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect([end.status, errorCode(end)]).to.deep.equal([401, "unauthenticated"]);
    const others = await post("/sessions/revoke-others", {});
    expect([others.status, errorCode(others)]).to.deep.equal([401, "unauthenticated"]);
    const garbage = await get("/sessions", "not.a.token");
    expect([garbage.status, errorCode(garbage)]).to.deep.equal([401, "unauthenticated"]);
    // The session is still there.
    expect((await mine(a)).map((r) => [r.id, r.current])).to.deep.equal([[a.sid, true]]);
  });
});
