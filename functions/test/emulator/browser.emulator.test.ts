import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { expect } from "chai";
import { build } from "esbuild";
import { type Browser, chromium } from "playwright-core";
import { API_URL, AUTH_HOST, auth, PROJECT_ID, uniqueEmail } from "./helpers.js";

// A FlutterFlow web build's path through a real browser: headless Chromium (Debian's `chromium`,
// driven by playwright-core; no browser download) loads a page from a localhost origin, which
// signs up and logs in with fetch (CORS), signs in with the Firebase JS SDK's
// signInWithCustomToken against the Auth emulator, and calls GET /me with the ID token. A page on
// an origin CORS_ORIGINS does not allow is refused by the browser itself.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ALLOWED = { host: "127.0.0.1", port: 8310, origin: "http://localhost:8310" };
const DISALLOWED = { host: "127.0.0.2", port: 8311, origin: "http://127.0.0.2:8311" };

function servePage(script: string, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === "/app.js") {
      response.writeHead(200, { "Content-Type": "text/javascript" }).end(script);
      return;
    }
    response
      .writeHead(200, { "Content-Type": "text/html" })
      .end('<!doctype html><title>web build</title><script type="module" src="/app.js"></script>');
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

describe("web build in a real browser (headless Chromium, Firebase JS SDK, CORS)", function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  const servers: Server[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.warn(
        `\n  !!! SKIPPED: no Chromium at ${CHROMIUM}. The browser test did NOT run. Install it (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH.\n`,
      );
      this.skip();
    }
    const bundle = await build({
      entryPoints: [join(__dirname, "..", "browser", "app.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    const script = bundle.outputFiles[0]?.text ?? "";
    servers.push(await servePage(script, ALLOWED.host, ALLOWED.port), await servePage(script, DISALLOWED.host, DISALLOWED.port));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
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
