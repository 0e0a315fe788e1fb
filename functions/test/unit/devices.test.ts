import { expect } from "chai";
import { changePassword } from "../../src/domain/account.js";
import { endUserSession, listUserSessions } from "../../src/domain/admin.js";
import { endOtherSessions, endSession, listSessions } from "../../src/domain/devices.js";
import { sessionHolds } from "../../src/domain/live-session.js";
import { refresh } from "../../src/domain/refresh.js";
import { signup } from "../../src/domain/signup.js";
import { hashToken } from "../../src/domain/tokens.js";
import { deviceOf, userAgentLabel } from "../../src/http/device-label.js";
import { LoginBody, parseBody } from "../../src/http/schemas.js";
import { failure } from "./failure.js";
import { world } from "./fakes.js";
import { login } from "./sign-in.js";

// Signed-in devices (issue 25) on the in-memory fakes: the list (newest first, the caller's own
// marked, ended and stale sessions left out), the end of one (that session only), of all but the
// caller's, the administrator's view, and the device labels.

const email = "ada@example.com";
const password = "correct horse battery";

async function twoDevices() {
  const w = world();
  const phone = await signup({ email, password, name: "Ada", device: "Ada's iPhone" }, w.deps);
  w.clock.advance(60);
  const laptop = await login({ email, password, device: "Chrome on Windows" }, w.deps);
  return { w, uid: phone.user.id, phone, laptop };
}

/** The session id of a refresh token (what its custom tokens' `sid` claim names). */
function sessionOf(w: ReturnType<typeof world>, refreshToken: string): string {
  const found = w.store.sessions.get(hashToken(refreshToken));
  if (found === undefined) throw new Error("no such refresh token");
  return found.sessionId;
}

describe("signed-in devices (use cases, in-memory fakes)", () => {
  it("the list: newest first, the caller's own marked current, devices as named, no token or hash", async () => {
    const { w, uid, phone, laptop } = await twoDevices();
    const phoneSid = sessionOf(w, phone.refreshToken);
    const laptopSid = sessionOf(w, laptop.refreshToken);
    const listed = await listSessions(uid, phoneSid, w.deps);
    expect(listed.map((s) => [s.id, s.device, s.current])).to.deep.equal([
      [laptopSid, "Chrome on Windows", false],
      [phoneSid, "Ada's iPhone", true],
    ]);
    expect(Object.keys(listed[0] ?? {}).sort()).to.deep.equal(["createdAt", "current", "device", "id", "lastUsedAt"]);
  });

  it("a refresh moves last_used_at, and renames the device only when the app names it", async () => {
    const { w, uid, phone } = await twoDevices();
    const sid = sessionOf(w, phone.refreshToken);
    w.clock.advance(600);
    const next = await refresh({ refreshToken: phone.refreshToken }, w.deps);
    let row = (await listSessions(uid, sid, w.deps)).find((s) => s.id === sid);
    expect([row?.device, row?.lastUsedAt.getTime()]).to.deep.equal(["Ada's iPhone", w.clock.now().getTime()]);
    await refresh({ refreshToken: next.refreshToken, device: "Ada's iPhone 16" }, w.deps);
    row = (await listSessions(uid, sid, w.deps)).find((s) => s.id === sid);
    expect(row?.device).to.equal("Ada's iPhone 16");
  });

  it("ending one device ends that session only: its refresh is refused, its Firebase session is no longer live; the other goes on", async () => {
    const { w, uid, phone, laptop } = await twoDevices();
    const phoneSid = sessionOf(w, phone.refreshToken);
    const laptopSid = sessionOf(w, laptop.refreshToken);
    await endSession(uid, laptopSid, w.deps);
    expect((await failure(refresh({ refreshToken: laptop.refreshToken }, w.deps))).code).to.equal("invalid_refresh_token");
    const laptopState = await w.deps.sessions.liveState(laptopSid, uid);
    expect(sessionHolds({ uid, role_id: 1, sid: laptopSid }, laptopState, w.clock.now())).to.equal(false);
    const phoneState = await w.deps.sessions.liveState(phoneSid, uid);
    expect(sessionHolds({ uid, role_id: 1, sid: phoneSid }, phoneState, w.clock.now())).to.equal(true);
    expect((await refresh({ refreshToken: phone.refreshToken }, w.deps)).user.id).to.equal(uid);
    expect(w.events.securityEvents.at(-1)).to.deep.equal({ event: "session_ended", uid, sessionId: laptopSid });
    expect((await listSessions(uid, phoneSid, w.deps)).map((s) => s.id)).to.deep.equal([phoneSid]);
  });

  it("an id that is not a live session of the caller's is not_found, whoever's it is: nothing to enumerate, nothing ended", async () => {
    const { w, uid, laptop } = await twoDevices();
    const other = await signup({ email: "grace@example.com", password, name: "Grace" }, w.deps);
    const graceSid = sessionOf(w, other.refreshToken);
    expect((await failure(endSession(uid, graceSid, w.deps))).code).to.equal("not_found");
    expect((await failure(endSession(uid, "AAAAAAAAAAAAAAAAAAAA", w.deps))).code).to.equal("not_found");
    expect((await refresh({ refreshToken: other.refreshToken }, w.deps)).user.id).to.equal(other.user.id);
    const laptopSid = sessionOf(w, laptop.refreshToken);
    await endSession(uid, laptopSid, w.deps);
    expect((await failure(endSession(uid, laptopSid, w.deps))).code, "an ended one").to.equal("not_found");
  });

  it("sessions of an older epoch (before a password change) and past their end are not listed", async () => {
    const { w, uid } = await twoDevices();
    const changed = await changePassword(
      uid,
      { currentPassword: password, newPassword: "another good passphrase", device: "Pixel 9" },
      w.deps,
    );
    // The fakes keep no stale records after a change; one left behind by a failed clean-up is put back by hand.
    const stale = {
      sessionId: "StaleStaleStaleStale",
      uid,
      sessionEpoch: 0,
      device: "old",
      createdAt: w.clock.now(),
      lastUsedAt: w.clock.now(),
      expiresAt: new Date(w.clock.now().getTime() + 3600_000),
    };
    w.store.live.set(stale.sessionId, stale);
    const listed = await listSessions(uid, sessionOf(w, changed.refreshToken), w.deps);
    expect(listed.map((s) => [s.device, s.current])).to.deep.equal([["Pixel 9", true]]);
    w.clock.advance(7200); // past every session's absolute end
    expect(await listSessions(uid, undefined, w.deps)).to.deep.equal([]);
  });

  it("revoke-others ends every session but the caller's", async () => {
    const { w, uid, phone, laptop } = await twoDevices();
    const third = await login({ email, password, device: "iPad" }, w.deps);
    const phoneSid = sessionOf(w, phone.refreshToken);
    expect(await endOtherSessions(uid, phoneSid, w.deps)).to.equal(2);
    expect((await listSessions(uid, phoneSid, w.deps)).map((s) => s.id)).to.deep.equal([phoneSid]);
    for (const token of [laptop.refreshToken, third.refreshToken]) {
      expect((await failure(refresh({ refreshToken: token }, w.deps))).code).to.equal("invalid_refresh_token");
    }
    expect(await endOtherSessions(uid, phoneSid, w.deps)).to.equal(0);
  });

  it("the list shows the newest MAX_SESSIONS_PER_USER; revoke-others ends every other live session, listed or not", async () => {
    const { w, uid, phone } = await twoDevices();
    w.clock.advance(60);
    await login({ email, password, device: "iPad" }, w.deps);
    const capped = { ...w.deps, maxSessions: 2 };
    expect((await listSessions(uid, undefined, capped)).map((s) => s.device)).to.deep.equal(["iPad", "Chrome on Windows"]);
    const phoneSid = sessionOf(w, phone.refreshToken);
    expect(await endOtherSessions(uid, phoneSid, capped)).to.equal(2);
    expect((await listSessions(uid, phoneSid, capped)).map((s) => s.id)).to.deep.equal([phoneSid]);
  });

  it("administrators list and end a user's sessions (actor in the event); others are forbidden", async () => {
    const { w, uid, laptop } = await twoDevices();
    const admin = await signup({ email: "root@example.com", password, name: "Root" }, w.deps);
    const record = w.store.accounts.get(admin.user.id);
    if (record === undefined) throw new Error("no admin");
    w.store.accounts.set(admin.user.id, { ...record, roleId: 9 });
    const caller = { uid: admin.user.id, claims: { role_id: 9 } };
    const listed = await listUserSessions(caller, uid, w.deps);
    expect(listed.map((s) => s.current)).to.deep.equal([false, false]);
    const laptopSid = sessionOf(w, laptop.refreshToken);
    await endUserSession(caller, uid, laptopSid, w.deps);
    expect(w.events.securityEvents.at(-1)).to.deep.equal({ event: "session_ended", uid, sessionId: laptopSid, actorUid: admin.user.id });
    expect((await failure(listUserSessions({ uid, claims: { role_id: 1 } }, uid, w.deps))).code).to.equal("forbidden");
    expect((await failure(endUserSession(caller, "nobody", laptopSid, w.deps))).code).to.equal("not_found");
  });

  it("device_name: at most 64 characters, no control or invisible characters", () => {
    const body = (device_name: string) => ({ email, password, device_name });
    expect(parseBody(LoginBody, body("Ada's iPhone 16 Pro")).device_name).to.equal("Ada's iPhone 16 Pro");
    for (const bad of ["x".repeat(65), "a\nb", "a\u0000b", "evil\u202Eenohp", "zero\u200Bwidth", "\uFEFFbom"]) {
      let field: string | undefined;
      try {
        parseBody(LoginBody, body(bad));
      } catch (error) {
        field = (error as { details?: { field?: string } }).details?.field;
      }
      expect(field, JSON.stringify(bad)).to.equal("device_name");
    }
  });

  it("device labels: the app's name first; else a short label from the User-Agent", () => {
    expect(deviceOf("  Pixel 9 Pro  ", "Mozilla/5.0")).to.equal("Pixel 9 Pro");
    expect(deviceOf("", "Dart/3.5 (dart:io)")).to.equal("Flutter app");
    expect(
      userAgentLabel("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
    ).to.equal("Chrome on Windows");
    expect(
      userAgentLabel(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
      ),
    ).to.equal("Mobile Safari on iPhone");
    expect(userAgentLabel("okhttp/4.12.0")).to.equal("okhttp");
    expect(userAgentLabel(undefined)).to.equal("Unknown device");
    expect(userAgentLabel("\u0001\u0002")).to.equal("Unknown device");
  });
});
