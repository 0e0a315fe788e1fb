import type { Server } from "node:http";
import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { PageReply, PasskeyPage } from "../browser/passkeys-app.js";
import { bundlePage, launchChromium, servePage, skipWithoutChromium } from "./browser-page.js";
import { type Served, serveFunction, stopProcess } from "./framework.js";
import { AUTH_HOST, errorCode, fetchReply, mailedCode, PROJECT_ID, uniqueEmail } from "./helpers.js";

// Passkeys through a real browser (issue 26): headless Chromium (Debian's `chromium`, driven by
// playwright-core) with a CDP virtual authenticator (WebAuthn.addVirtualAuthenticator: a
// platform authenticator with discoverable credentials) loads a page from http://localhost - a
// secure context whose host is PASSKEY_RP_ID - that signs up over CORS, registers a passkey with
// SimpleWebAuthn's browser helpers around navigator.credentials.create, signs out, signs in
// again with the passkey alone (discoverable: no email) and exchanges the answer's jwt_token in
// the Firebase JS SDK. The function is the built one under the Functions Framework, with the
// PASSKEY_* settings the stack's Functions emulator does not have.
const FN_PORT = 8320;
/** A second function whose PASSKEY_ORIGINS names another origin only (the server's own origin check). */
const OTHER_FN_PORT = 8323;
const ALLOWED = { host: "127.0.0.1", port: 8321, origin: "http://localhost:8321" };
/** In CORS_ORIGINS (the page can call the API) but not in PASSKEY_ORIGINS, and not on the RP ID's host. */
const FOREIGN = { host: "127.0.0.1", port: 8322, origin: "http://127.0.0.1:8322" };
const OTHER_ORIGIN = "http://localhost:8329";
const PASSWORD = "correct horse battery staple";

type Step = keyof PasskeyPage;
type ArgOf<K extends Step> = Parameters<PasskeyPage[K]>[0];
type ResultOf<K extends Step> = Awaited<ReturnType<PasskeyPage[K]>>;

/** One of the page's steps (test/browser/passkeys-app.ts), run in the page. */
async function step<K extends Step>(page: Page, name: K, arg: ArgOf<K>): Promise<ResultOf<K>> {
  const result = await page.evaluate(
    ([n, a]) => {
      const api = (globalThis as unknown as { passkeyPage: Record<string, (x: unknown) => Promise<unknown>> }).passkeyPage;
      const run = api[n];
      if (run === undefined) throw new Error(`no step ${n}`);
      return run(a);
    },
    [name, arg] as const,
  );
  return result as ResultOf<K>;
}

/** The verify answer of a ceremony the browser went through, after checking its status. */
function verified(result: { readonly refused: unknown; readonly verify: PageReply | null }, status: number): Record<string, unknown> {
  expect(result.refused, "the browser refused the ceremony").to.equal(null);
  expect(result.verify?.status, JSON.stringify(result.verify?.body)).to.equal(status);
  if (result.verify === null) throw new Error("nothing was sent");
  return result.verify.body;
}

describe("passkeys in a real browser (headless Chromium, a virtual authenticator, SimpleWebAuthn, the Firebase JS SDK)", function () {
  this.timeout(180_000);
  let browser: Browser | undefined;
  let fn: Served | undefined;
  let otherFn: Served | undefined;
  const servers: Server[] = [];
  const contexts: BrowserContext[] = [];

  before(async function () {
    skipWithoutChromium(this, "The passkey browser test");
    const script = await bundlePage("passkeys-app");
    servers.push(
      await servePage(script, "passkeys-app", ALLOWED.host, ALLOWED.port),
      await servePage(script, "passkeys-app", FOREIGN.host, FOREIGN.port),
    );
    const cors = `${ALLOWED.origin},${FOREIGN.origin}`;
    [fn, otherFn] = await Promise.all([
      serveFunction(FN_PORT, { PASSKEY_RP_ID: "localhost", PASSKEY_ORIGINS: ALLOWED.origin, CORS_ORIGINS: cors }),
      serveFunction(OTHER_FN_PORT, { PASSKEY_RP_ID: "localhost", PASSKEY_ORIGINS: OTHER_ORIGIN, CORS_ORIGINS: cors }),
    ]);
    browser = await launchChromium();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await Promise.all([stopProcess(fn?.process), stopProcess(otherFn?.process)]);
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  const apiUrl = () => {
    if (fn === undefined) throw new Error("the function is not served");
    return fn.url;
  };

  /**
   * A fresh browser context (its own Firebase persistence) and page on `origin`, with a virtual
   * platform authenticator that holds discoverable credentials and, when `userVerified`, passes
   * user verification (a fingerprint, a PIN).
   */
  async function openPage(origin: string, authenticator: { hasUserVerification: boolean; isUserVerified: boolean }): Promise<Page> {
    if (browser === undefined) throw new Error("no browser");
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable", {});
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, automaticPresenceSimulation: true, ...authenticator },
    });
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => "passkeyPage" in globalThis);
    await step(page, "init", { authEmulator: `http://${AUTH_HOST}`, projectId: PROJECT_ID });
    return page;
  }

  /** Signs up on the page (POST /signup over CORS) and signs in to Firebase with the answer's jwt_token. */
  async function signedUp(page: Page, tag: string) {
    const email = uniqueEmail(tag);
    const signup = await step(page, "signUp", { apiUrl: apiUrl(), email, password: PASSWORD });
    expect(signup.status, JSON.stringify(signup.body)).to.equal(201);
    const session = await step(page, "firebaseSignIn", { token: String(signup.body.jwt_token) });
    expect(session.uid).to.equal((signup.body.user as { id: string }).id);
    // A passkey needs a proved address: the signup's verification code, confirmed as the app would.
    const confirmed = await fetchReply(`${apiUrl()}/email/verify/confirm`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${session.idToken}` },
      body: JSON.stringify({ code: await mailedCode(email) }),
    });
    expect(confirmed.status, confirmed.text).to.equal(200);
    return { email, uid: session.uid, idToken: session.idToken };
  }

  /** Registers a passkey on the page (the browser's create()), which must be accepted. */
  async function registered(page: Page, idToken: string, name: string) {
    const registration = await step(page, "registerPasskey", { apiUrl: apiUrl(), idToken, name });
    expect(registration.options.status).to.equal(200);
    const { passkey } = verified(registration, 201) as { passkey: { id: string; name: string; user_verified: boolean } };
    return { ...passkey, credentialId: String(registration.credentialId) };
  }

  /**
   * The whole path: signup, registration, sign-out, a passkey sign-in, the new session's custom
   * token in the Firebase JS SDK, GET /me and GET /passkeys with its ID token. `allowRegistered`:
   * the sign-in names the registered credential (allowCredentials) instead of the server's
   * discoverable options.
   */
  async function passkeyRoundTrip(
    authenticator: { hasUserVerification: boolean; isUserVerified: boolean },
    expected: { methods: string[]; allowRegistered: boolean },
  ): Promise<{ sent: Record<string, unknown> }> {
    const page = await openPage(ALLOWED.origin, authenticator);
    const { uid, idToken } = await signedUp(page, "passkey");
    const passkey = await registered(page, idToken, "Test laptop");
    expect(passkey).to.deep.include({ name: "Test laptop", user_verified: authenticator.isUserVerified });

    expect(await step(page, "firebaseSignOut", undefined)).to.deep.equal({ signedIn: false });
    if (expected.allowRegistered) {
      // The server's discoverable options (no allowCredentials, userVerification "preferred")
      // find no credential on an authenticator without user verification: Chromium makes a
      // discoverable credential with credProtect "UV or credential ID required", which an
      // assertion with an empty allow list and no UV does not reach. The browser says only
      // NotAllowedError (it tells the page nothing); nothing reaches /passkeys/login/verify.
      const discoverable = await step(page, "signInWithPasskey", { apiUrl: apiUrl() });
      expect(discoverable.options.status).to.equal(200);
      expect(discoverable.verify).to.equal(null);
      expect(discoverable.refused).to.deep.include({ name: "NotAllowedError", code: "ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY" });
    }
    const login = await step(page, "signInWithPasskey", {
      apiUrl: apiUrl(),
      ...(expected.allowRegistered && { allowCredentialIds: [passkey.credentialId] }),
    });
    expect(login.options.status).to.equal(200);
    const body = verified(login, 200) as { jwt_token: string; refresh_token: string; mfa_required: boolean; user: { id: string } };
    expect(Object.keys(body).sort()).to.deep.equal(["expires_in", "jwt_token", "mfa_required", "refresh_token", "token_type", "user"]);
    expect(body.user.id).to.equal(uid);
    expect(body.mfa_required).to.equal(false);
    expect(body.refresh_token).to.be.a("string").and.not.equal("");

    const session = await step(page, "firebaseSignIn", { token: body.jwt_token });
    expect(session.uid).to.equal(uid);
    expect(session.authMethods).to.deep.equal(expected.methods);
    const me = await step(page, "get", { apiUrl: apiUrl(), path: "/me", idToken: session.idToken });
    expect(me.status).to.equal(200);
    expect((me.body.user as { id: string }).id).to.equal(uid);
    const list = await step(page, "get", { apiUrl: apiUrl(), path: "/passkeys", idToken: session.idToken });
    expect(list.status).to.equal(200);
    const passkeys = list.body.passkeys as { id: string; last_used_at: string | null }[];
    expect(passkeys.map((p) => p.id)).to.deep.equal([passkey.id]);
    expect(passkeys[0]?.last_used_at).to.be.a("string");
    if (login.sent === null) throw new Error("no verify body");
    return { sent: login.sent };
  }

  it("run 1, user verification on: register, sign out, a discoverable passkey sign-in (two factors: auth_methods passkey + mfa), GET /me", async () => {
    await passkeyRoundTrip({ hasUserVerification: true, isUserVerified: true }, { methods: ["passkey", "mfa"], allowRegistered: false });
  });

  it("run 2, user verification off: registered (user_verified false), signed in with the credential named (one factor: auth_methods passkey)", async () => {
    // UV off is an authenticator without user verification (a security key with no PIN). One that
    // has it but fails it (hasUserVerification true, isUserVerified false) never gets this far:
    // "preferred" makes Chromium ask it to verify, and the failed verification refuses create()
    // itself (NotAllowedError) - no fallback to user presence alone.
    await passkeyRoundTrip({ hasUserVerification: false, isUserVerified: false }, { methods: ["passkey"], allowRegistered: true });
  });

  it("a replay: the same login verify body twice, the second is 400 passkey_challenge_invalid", async () => {
    const { sent } = await passkeyRoundTrip(
      { hasUserVerification: true, isUserVerified: true },
      { methods: ["passkey", "mfa"], allowRegistered: false },
    );
    const again = await fetchReply(`${apiUrl()}/passkeys/login/verify`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ALLOWED.origin },
      body: JSON.stringify(sent),
    });
    // The challenge was used: that is the refusal, whatever the authenticator's counter says (the
    // replayed assertion's counter equals the stored one, which a counter check alone would call
    // a cloned authenticator).
    expect([again.status, errorCode(again)]).to.deep.equal([400, "passkey_challenge_invalid"]);
  });

  it("a foreign origin (127.0.0.1, not the RP ID's host): the browser itself refuses create() and get() with a SecurityError", async () => {
    // The API answers the page (CORS_ORIGINS lists it), so options come back; but WebAuthn's RP ID
    // "localhost" is not the page's host (nor a registrable suffix of it: an IP address has none),
    // so Chromium throws a SecurityError before any authenticator is asked, and nothing reaches
    // /passkeys/*/verify. SimpleWebAuthn reads it as ERROR_INVALID_DOMAIN (an IP address is not
    // a valid domain). The server's own origin check is the next test.
    const page = await openPage(FOREIGN.origin, { hasUserVerification: true, isUserVerified: true });
    const { idToken } = await signedUp(page, "foreign");
    const registration = await step(page, "registerPasskey", { apiUrl: apiUrl(), idToken, name: "Foreign" });
    expect(registration.options.status).to.equal(200);
    expect(registration.verify).to.equal(null);
    expect(registration.refused).to.deep.include({ name: "SecurityError", code: "ERROR_INVALID_DOMAIN" });
    expect(registration.refused?.cause?.name).to.equal("SecurityError");

    const login = await step(page, "signInWithPasskey", { apiUrl: apiUrl() });
    expect(login.options.status).to.equal(200);
    expect(login.verify).to.equal(null);
    expect(login.refused).to.deep.include({ name: "SecurityError", code: "ERROR_INVALID_DOMAIN" });
    expect(login.refused?.cause?.name).to.equal("SecurityError");

    const list = await step(page, "get", { apiUrl: apiUrl(), path: "/passkeys", idToken });
    expect([list.status, list.body.passkeys]).to.deep.equal([200, []]);
  });

  it("the server's origin check: a real assertion for a function whose PASSKEY_ORIGINS is another origin is 400 passkey_origin_mismatch", async () => {
    // The browser signs whatever origin it is on into clientDataJSON, so a foreign page cannot
    // make an assertion naming an allowed origin, and one the browser refuses never reaches the
    // server. Here the allowed page's passkey answers a fresh challenge of a second function
    // (same Firestore, same server key, same RP ID) that allows only OTHER_ORIGIN: the browser
    // agrees (the page is on the RP ID's host), the server refuses the origin.
    const page = await openPage(ALLOWED.origin, { hasUserVerification: true, isUserVerified: true });
    const { uid, idToken } = await signedUp(page, "origin");
    await registered(page, idToken, "Origin check");
    await step(page, "firebaseSignOut", undefined);
    if (otherFn === undefined) throw new Error("the second function is not served");

    const refused = await step(page, "signInWithPasskey", { apiUrl: otherFn.url });
    expect(refused.options.status).to.equal(200);
    expect((verified(refused, 400).error as { code: string }).code).to.equal("passkey_origin_mismatch");

    // The passkey itself is good: the function that allows this page signs in with it.
    const accepted = await step(page, "signInWithPasskey", { apiUrl: apiUrl() });
    expect((verified(accepted, 200).user as { id: string }).id).to.equal(uid);
  });
});
