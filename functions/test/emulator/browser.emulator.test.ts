import type { Server } from "node:http";
import { expect } from "chai";
import type { Browser } from "playwright-core";
import { bundlePage, launchChromium, servePage, skipWithoutChromium } from "./browser-page.js";
import { API_URL, AUTH_HOST, auth, PROJECT_ID, uniqueEmail } from "./helpers.js";

// A FlutterFlow web build's path through a real browser: headless Chromium (Debian's `chromium`,
// driven by playwright-core; no browser download) loads a page from a localhost origin, which
// signs up and logs in with fetch (CORS), signs in with the Firebase JS SDK's
// signInWithCustomToken against the Auth emulator, and calls GET /me with the ID token. A page on
// an origin CORS_ORIGINS does not allow is refused by the browser itself.
const ALLOWED = { host: "127.0.0.1", port: 8310, origin: "http://localhost:8310" };
const DISALLOWED = { host: "127.0.0.2", port: 8311, origin: "http://127.0.0.2:8311" };

describe("web build in a real browser (headless Chromium, Firebase JS SDK, CORS)", function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  const servers: Server[] = [];

  before(async function () {
    skipWithoutChromium(this, "The browser test");
    const script = await bundlePage("app");
    servers.push(
      await servePage(script, "app", ALLOWED.host, ALLOWED.port),
      await servePage(script, "app", DISALLOWED.host, DISALLOWED.port),
    );
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    for (const server of servers) server.close();
  });

  const input = (email: string) => ({
    apiUrl: API_URL,
    authEmulator: `http://${AUTH_HOST}`,
    projectId: PROJECT_ID,
    email,
    password: "correct horse battery staple",
  });

  it("an allowed origin: signup and login over CORS, signInWithCustomToken in the Firebase JS SDK, GET /me with the ID token", async () => {
    const page = await browser?.newPage();
    await page?.goto(`${ALLOWED.origin}/`);
    await page?.waitForFunction(() => "flow" in globalThis);
    const email = uniqueEmail("browser");
    const result = await page?.evaluate(
      (arg) => (globalThis as unknown as { flow: (i: typeof arg) => Promise<unknown> }).flow(arg),
      input(email),
    );
    const { signup, login, uid, me } = result as {
      signup: number;
      login: number;
      uid: string;
      me: { status: number; body: { user: { id: string; email: string } } };
    };
    expect([signup, login, me.status]).to.deep.equal([201, 200, 200]);
    expect(me.body.user).to.deep.include({ id: uid, email });
    expect((await auth().getUser(uid)).email).to.equal(email);
  });

  it("a disallowed origin: the browser refuses the answer (no Access-Control-Allow-Origin), and nothing tells the page anything", async () => {
    const page = await browser?.newPage();
    await page?.goto(`${DISALLOWED.origin}/`);
    await page?.waitForFunction(() => "refused" in globalThis);
    const outcome = await page?.evaluate(
      (arg) => (globalThis as unknown as { refused: (i: typeof arg) => Promise<string> }).refused(arg),
      input(uniqueEmail("blocked")),
    );
    expect(outcome).to.equal("blocked");
  });
});
