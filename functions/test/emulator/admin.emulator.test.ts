import { expect } from "chai";
import { auth, authBody, bearer, credentialOf, db, errorCode, post, signInWithCustomToken, uniqueEmail } from "./helpers.js";

const password = "correct horse battery staple";
const ADMIN_ROLE_ID = 9; // the default of ADMIN_ROLE_ID

async function signedIn(email: string) {
  const body = authBody(await post("/login", { email, password }));
  return { uid: body.user.id, idToken: (await signInWithCustomToken(body.jwt_token)).idToken, refresh: body.refresh_token };
}

describe("admin endpoints (emulators)", () => {
  let admin: { uid: string; idToken: string };
  let member: { uid: string; idToken: string; refresh: string };
  let memberEmail: string;

  before(async () => {
    // The first admin is made by hand: the role in the credential (docs/api.md, "Roles").
    const adminEmail = uniqueEmail("admin");
    expect((await post("/signup", { email: adminEmail, password })).status).to.equal(201);
    await credentialOf(adminEmail).update({ role_id: ADMIN_ROLE_ID });
    admin = await signedIn(adminEmail);
    memberEmail = uniqueEmail("member");
    expect((await post("/signup", { email: memberEmail, password })).status).to.equal(201);
    member = await signedIn(memberEmail);
  });

  it("an admin sets a role: credential, users/{uid} copy and custom claims; the next login carries it", async () => {
    const reply = await post(`/admin/users/${member.uid}/role`, { role_id: 4 }, bearer(admin.idToken));
    expect(reply.status, reply.text).to.equal(200);
    expect((reply.json as { user: { role_id: number } }).user.role_id).to.equal(4);
    expect((await credentialOf(memberEmail).get()).get("role_id")).to.equal(4);
    expect((await db().collection("users").doc(member.uid).get()).get("role_id")).to.equal(4);
    expect((await auth().getUser(member.uid)).customClaims).to.deep.equal({ role_id: 4 });
    const again = authBody(await post("/login", { email: memberEmail, password }));
    expect((await signInWithCustomToken(again.jwt_token)).claims.role_id).to.equal(4);
  });

  it("a non-admin gets 403 forbidden; no token 401; an unknown user 404; a bad role 400", async () => {
    // Signed in afresh: the role change of the test above revoked the member's earlier token
    // (whenever that change fell in a later second than the sign-in: revocation has 1 s resolution).
    const current = await signedIn(memberEmail);
    const denied = await post(`/admin/users/${admin.uid}/role`, { role_id: ADMIN_ROLE_ID }, bearer(current.idToken));
    expect([denied.status, errorCode(denied)]).to.deep.equal([403, "forbidden"]);
    const anonymous = await post(`/admin/users/${member.uid}/role`, { role_id: 2 });
    expect([anonymous.status, errorCode(anonymous)]).to.deep.equal([401, "unauthenticated"]);
    const unknown = await post("/admin/users/NoSuchUser0000000000/role", { role_id: 2 }, bearer(admin.idToken));
    expect([unknown.status, errorCode(unknown)]).to.deep.equal([404, "not_found"]);
    for (const role of ["2", 1.5, -1, null]) {
      const bad = await post(`/admin/users/${member.uid}/role`, { role_id: role }, bearer(admin.idToken));
      expect([bad.status, errorCode(bad)], String(role)).to.deep.equal([400, "invalid_request"]);
    }
  });

  it("disable: login, refresh and Firebase refuse the user; enable restores login", async () => {
    const reply = await post(`/admin/users/${member.uid}/disable`, { disabled: true }, bearer(admin.idToken));
    expect(reply.status, reply.text).to.equal(200);
    expect((await auth().getUser(member.uid)).disabled).to.equal(true);
    expect((await post("/login", { email: memberEmail, password })).status).to.equal(401);
    expect((await post("/refresh", { refresh_token: member.refresh })).status).to.equal(401);

    expect((await post(`/admin/users/${member.uid}/disable`, { disabled: false }, bearer(admin.idToken))).status).to.equal(200);
    expect((await auth().getUser(member.uid)).disabled).to.equal(false);
    expect((await post("/login", { email: memberEmail, password })).status).to.equal(200);
  });
});
