import { expect } from "chai";
import { collection, doc, getDocs, setDoc } from "firebase/firestore";
import { appSignedIn, closeApps, needsRules, reach, type SignedInApp } from "./app.js";
import {
  authBody,
  bearer,
  credentialOf,
  db,
  errorCode,
  mailedCode,
  post,
  randomClientIp,
  refreshTokenDoc,
  signInWithCustomToken,
  uniqueEmail,
} from "./helpers.js";

// Revocation that holds (issue 21, item 1), played as the attacker plays it, in order: a thief
// who holds a copied refresh token calls /refresh and KEEPS the returned custom token without
// exchanging it; a second passes; the owner acts (reuse detected, logout everywhere, password
// change or reset, email change, demotion, disabling); a second passes; the thief now exchanges
// the stashed token with the Firebase JS SDK (signInWithCustomToken: Firebase itself accepts it,
// its sign-in is after the revocation) - and reaches neither this API (GET /me: 401) nor the
// user's data under the rules the stack loaded from firestore.rules (users/{uid}: denied by
// liveSession()). The owner's own session made after the act keeps working, on both sides.
const password = "correct horse battery staple";
const newPassword = "another horse battery staple";
const ADMIN_ROLE_ID = 9;
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));

async function signUp(tag: string) {
  const email = uniqueEmail(tag);
  const body = authBody(await post("/signup", { email, password }));
  return { email, uid: body.user.id, refreshToken: body.refresh_token, jwtToken: body.jwt_token };
}

/** An administrator made by hand (docs/api.md, "Roles"): its ID token, signed in with the role. */
async function admin(): Promise<string> {
  const user = await signUp("stash.admin");
  await credentialOf(user.email).update({ role_id: ADMIN_ROLE_ID });
  const body = authBody(await post("/login", { email: user.email, password }));
  return (await signInWithCustomToken(body.jwt_token)).idToken;
}

interface Victim {
  readonly email: string;
  readonly uid: string;
  /** The owner's own app, signed in before the act. */
  readonly app: SignedInApp;
  /** The refresh token the thief copied (the owner's current one). */
  readonly refreshToken: string;
}

/**
 * Each act of the owner (or of an administrator), and how the owner then gets a session made
 * after it (null: none is meant to exist, e.g. a disabled account).
 */
const ACTS: ReadonlyArray<{
  readonly name: string;
  readonly promote?: boolean;
  /** The act keeps the backend sessions (a role change): the stolen refresh token still refreshes, into the new role only. */
  readonly keepsSessions?: boolean;
  readonly act: (victim: Victim, stolen: string) => Promise<void>;
  readonly ownerAfter: (victim: Victim) => Promise<string | null>;
}> = [
  {
    name: "the owner's replay is detected (refresh-token reuse)",
    act: async (victim) => {
      await refreshTokenDoc(victim.refreshToken).update({ rotated_at: new Date(Date.now() - 11_000) });
      expect(errorCode(await post("/refresh", { refresh_token: victim.refreshToken }))).to.equal("refresh_token_reused");
    },
    ownerAfter: async (victim) => authBody(await post("/login", { email: victim.email, password })).jwt_token,
  },
  {
    name: "the owner logs out everywhere",
    act: async (victim) => {
      const other = authBody(await post("/login", { email: victim.email, password }));
      expect((await post("/logout", { refresh_token: other.refresh_token, all_devices: true })).status).to.equal(200);
    },
    ownerAfter: async (victim) => authBody(await post("/login", { email: victim.email, password })).jwt_token,
  },
  {
    name: "the owner changes the password",
    act: async (victim) => {
      const changed = await post("/password/change", { current_password: password, new_password: newPassword }, bearer(victim.app.idToken));
      expect(changed.status).to.equal(200);
    },
    ownerAfter: async (victim) => authBody(await post("/login", { email: victim.email, password: newPassword })).jwt_token,
  },
  {
    name: "the owner resets the password by mailed code",
    act: async (victim) => {
      expect((await post("/password/reset/request", { email: victim.email })).status).to.equal(202);
      const code = await mailedCode(victim.email);
      expect((await post("/password/reset/confirm", { email: victim.email, code, new_password: newPassword })).status).to.equal(200);
    },
    ownerAfter: async (victim) => authBody(await post("/login", { email: victim.email, password: newPassword })).jwt_token,
  },
  {
    name: "the owner changes the email",
    act: async (victim) => {
      const moved = uniqueEmail("stash.moved");
      const headers = bearer(victim.app.idToken);
      expect((await post("/email/change/request", { new_email: moved, password }, headers)).status).to.equal(202);
      expect((await post("/email/change/confirm", { code: await mailedCode(moved) }, headers)).status).to.equal(200);
      Object.assign(victim, { email: moved });
    },
    ownerAfter: async (victim) => authBody(await post("/login", { email: victim.email, password })).jwt_token,
  },
  {
    name: "an administrator demotes the owner (the stashed token carries the admin role)",
    promote: true,
    keepsSessions: true,
    act: async (victim) => {
      const demoted = await post(`/admin/users/${victim.uid}/role`, { role_id: 1 }, bearer(await admin()));
      expect(demoted.status).to.equal(200);
    },
    // The owner's backend session stays: /refresh brings a token of the new role.
    ownerAfter: async (victim) => {
      const login = authBody(await post("/login", { email: victim.email, password }));
      return authBody(await post("/refresh", { refresh_token: login.refresh_token })).jwt_token;
    },
  },
  {
    name: "an administrator disables the owner",
    act: async (victim) => {
      expect((await post(`/admin/users/${victim.uid}/disable`, { disabled: true }, bearer(await admin()))).status).to.equal(200);
    },
    ownerAfter: async () => null,
  },
];

describe("revocation holds: a custom token stashed before the act opens nothing after it (emulators, real Firestore with the rules)", () => {
  before(needsRules("Stashed-token tests"));

  afterEach(closeApps);

  for (const scenario of ACTS) {
    it(`${scenario.name}: the thief's stashed token reaches neither the API nor the data; the owner's new session does`, async () => {
      const user = await signUp("stash.victim");
      let jwt = user.jwtToken;
      let refreshToken = user.refreshToken;
      if (scenario.promote === true) {
        await credentialOf(user.email).update({ role_id: ADMIN_ROLE_ID });
        const login = authBody(await post("/login", { email: user.email, password }));
        [jwt, refreshToken] = [login.jwt_token, login.refresh_token];
      }
      const victim: Victim = { email: user.email, uid: user.uid, app: await appSignedIn(jwt), refreshToken };
      expect(await reach(victim.app)).to.deep.equal({ api: 200, rules: "allowed" });

      // The thief refreshes with the copied token and keeps the custom token, unexchanged.
      const stolen = authBody(await post("/refresh", { refresh_token: refreshToken }, { "X-Forwarded-For": randomClientIp() }));
      await nextSecond();
      await scenario.act(victim, stolen.jwt_token);
      await nextSecond();

      // Within the custom token's hour, after the act: Firebase accepts the exchange (its sign-in
      // is newer than any revocation), this backend and the rules do not.
      const thief = await appSignedIn(stolen.jwt_token).catch((error: unknown) => String(error));
      if (typeof thief === "string") {
        expect(thief).to.include("user-disabled"); // only a disabled Auth user stops the exchange itself
      } else {
        expect(thief.uid).to.equal(victim.uid);
        expect(await reach(thief)).to.deep.equal({ api: 401, rules: "denied" });
        expect(
          await setDoc(doc(thief.firestore, "users", thief.uid, "fcm_tokens", "thief"), { fcm_token: "t" }).then(
            () => "written",
            () => "denied",
          ),
        ).to.equal("denied");
        const refreshed = await post("/refresh", { refresh_token: stolen.refresh_token });
        if (scenario.keepsSessions === true) expect(authBody(refreshed).user.role_id).to.equal(1);
        else expect(refreshed.status).to.equal(401);
      }
      // The owner's app from before the act is over too.
      expect(await reach(victim.app)).to.deep.equal({ api: 401, rules: "denied" });

      const after = await scenario.ownerAfter(victim);
      if (after !== null) expect(await reach(await appSignedIn(after))).to.deep.equal({ api: 200, rules: "allowed" });
    });
  }

  it("after a password change only the change's own fresh session is live: the epoch moved, the old records are cleaned up", async () => {
    // A login racing the change (it read the old hash and epoch first) writes a record of the old
    // epoch: not live. Made deterministic in the unit tests (account.test.ts); with real
    // concurrency in revocation.emulator.test.ts (Functions Framework).
    const user = await signUp("stash.race");
    const app = await appSignedIn(user.jwtToken);
    await post("/login", { email: user.email, password });
    expect((await db().collection("auth_sessions").where("uid", "==", user.uid).get()).size).to.equal(2);
    const changed = authBody(
      await post("/password/change", { current_password: password, new_password: newPassword }, bearer(app.idToken)),
    );
    const live = await db().collection("auth_sessions").where("uid", "==", user.uid).get();
    expect(live.size).to.equal(1);
    expect(live.docs[0]?.get("session_epoch")).to.equal(1);
    expect((await db().collection("auth_uid_index").doc(user.uid).get()).get("session_epoch")).to.equal(1);
    expect(await reach(await appSignedIn(changed.jwt_token))).to.deep.equal({ api: 200, rules: "allowed" });
    expect((await getDocs(collection(app.firestore, "users", user.uid, "fcm_tokens")).catch(() => null)) === null).to.equal(true);
  });
});
