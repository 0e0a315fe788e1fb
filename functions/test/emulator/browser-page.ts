import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { build } from "esbuild";
import { type Browser, chromium } from "playwright-core";

// What the browser tests share (browser.emulator.test.ts, passkeys-browser.emulator.test.ts):
// Debian's Chromium driven by playwright-core (no browser download), a page script from
// test/browser bundled by esbuild, and a tiny server that serves it from a chosen origin.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Skips the suite LOUDLY when Chromium is missing: the summary must not read as a pass. */
export function skipWithoutChromium(suite: Mocha.Context, what: string): void {
  if (existsSync(CHROMIUM)) return;
  console.warn(
    `\n  !!! SKIPPED: no Chromium at ${CHROMIUM}. ${what} did NOT run. Install it (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH.\n`,
  );
  suite.skip();
}

/** test/browser/`name`.ts bundled for the browser, as one ES module's text. */
export async function bundlePage(name: string): Promise<string> {
  const bundle = await build({
    entryPoints: [join(__dirname, "..", "browser", `${name}.ts`)],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  return bundle.outputFiles[0]?.text ?? "";
}

/** Serves a page running `script` (as /`name`.js) on host:port: the page's origin. */
export function servePage(script: string, name: string, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === `/${name}.js`) {
      response.writeHead(200, { "Content-Type": "text/javascript" }).end(script);
      return;
    }
    response
      .writeHead(200, { "Content-Type": "text/html" })
      .end(`<!doctype html><title>web build (${name})</title><script type="module" src="/${name}.js"></script>`);
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

/** Headless Chromium, quiet (no background traffic: there is no internet here). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}
