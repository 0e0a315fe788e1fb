import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import {
  type AppCheckFailure,
  AppCheckRejected,
  type AppCheckVerifier,
  appCheckVerifier,
  GOOGLE_APP_CHECK_JWKS_URL,
} from "../../src/adapters/app-check-verifier.js";
import {
  APP_CHECK_APP_ID,
  APP_CHECK_JWKS,
  APP_CHECK_KEY,
  APP_CHECK_PROJECT_ID,
  APP_CHECK_PROJECT_NUMBER,
  type AppCheckTokenOptions,
  appCheckJwks,
  newAppCheckKey,
  signAppCheckToken,
} from "../app-check-keys.js";

// App Check tokens as firebase-admin 14 checks them (lib/app-check/token-verifier.js), against a
// local key set; the remote key set against local HTTP servers. No network.
const NOW = new Date("2026-12-02T12:00:00Z");
const NOW_S = NOW.getTime() / 1000;
const OTHER_KEY = newAppCheckKey("other-key");

/** null: no project number configured. */
const verifierOf = (projectNumber: string | null = APP_CHECK_PROJECT_NUMBER, keys = APP_CHECK_JWKS): AppCheckVerifier =>
  appCheckVerifier({ projectId: APP_CHECK_PROJECT_ID, projectNumber: projectNumber ?? undefined, keys, now: () => NOW });
const tokenOf = (options: AppCheckTokenOptions = {}) => signAppCheckToken({ now: NOW, ...options });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("the token was accepted"),
    (error: unknown) => error,
  );
}

/** Rejected for `reason`, with a message quoting no part of the token. */
async function expectRejected(verifier: AppCheckVerifier, token: string, reason: AppCheckFailure): Promise<void> {
  const error = await rejection(verifier.verify(token));
  expect(error).to.be.instanceOf(AppCheckRejected);
  expect((error as AppCheckRejected).reason).to.equal(reason);
  expect((error as AppCheckRejected).cause).to.equal(undefined);
  for (const part of [token, ...token.split(".")].filter((part) => part.length >= 4)) {
    expect((error as Error).message).not.to.include(part);
    expect(String((error as Error).stack)).not.to.include(part);
  }
}

/** A JSON object as a JWT segment. */
const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const payloadOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());

describe("appCheckVerifier (local key set)", () => {
  it("a valid App Check token: its app id, jti and expiry", async () => {
    const token = tokenOf();
    const claims = await verifierOf().verify(token);
    expect(claims).to.deep.equal({
      appId: APP_CHECK_APP_ID,
      tokenId: payloadOf(token).jti,
      expiresAt: new Date(NOW.getTime() + 3600_000),
    });
    expect(claims.tokenId).to.be.a("string").that.is.not.empty;
  });

  it("a limited-use token (same shape, 5 minutes) and one without jti: accepted, tokenId undefined for the latter", async () => {
    expect(await verifierOf().verify(tokenOf({ ttlSeconds: 300 }))).to.include({ appId: APP_CHECK_APP_ID });
    expect((await verifierOf().verify(tokenOf({ claims: { jti: undefined } }))).tokenId).to.equal(undefined);
  });

  it("without a project number configured: only projects/<projectId> in aud and an issuer under Google's App Check (as firebase-admin)", async () => {
    const verifier = verifierOf(null);
    expect(await verifier.verify(tokenOf())).to.include({ appId: APP_CHECK_APP_ID });
    const aud = [`projects/${APP_CHECK_PROJECT_ID}`];
    const iss = "https://firebaseappcheck.googleapis.com/999";
    expect(await verifier.verify(tokenOf({ claims: { aud, iss } }))).to.include({ appId: APP_CHECK_APP_ID });
  });

  describe("time: exp and nbf to the second, no leeway; iat unchecked (jsonwebtoken's defaults in firebase-admin)", () => {
    it("expired: exp now or earlier; valid one second before", async () => {
      await expectRejected(verifierOf(), tokenOf({ claims: { exp: NOW_S - 3600 } }), "expired");
      await expectRejected(verifierOf(), tokenOf({ claims: { exp: NOW_S } }), "expired");
      expect(await verifierOf().verify(tokenOf({ claims: { exp: NOW_S + 1 } }))).to.include({ appId: APP_CHECK_APP_ID });
    });

    it("the clock is read at each call (now option)", async () => {
      const token = tokenOf();
      let now = NOW;
      const verifier = appCheckVerifier({ projectId: APP_CHECK_PROJECT_ID, keys: APP_CHECK_JWKS, now: () => now });
      expect(await verifier.verify(token)).to.include({ appId: APP_CHECK_APP_ID });
      now = new Date(NOW.getTime() + 3600_000);
      await expectRejected(verifier, token, "expired");
    });

    it("nbf in the future: not_yet_valid; nbf now: valid", async () => {
      await expectRejected(verifierOf(), tokenOf({ claims: { nbf: NOW_S + 1 } }), "not_yet_valid");
      expect(await verifierOf().verify(tokenOf({ claims: { nbf: NOW_S } }))).to.include({ appId: APP_CHECK_APP_ID });
    });

    it("iat in the future: accepted, as by firebase-admin (jsonwebtoken reads iat only for maxAge)", async () => {
      const iat = NOW_S + 600;
      expect(await verifierOf().verify(tokenOf({ claims: { iat, exp: iat + 3600 } }))).to.include({ appId: APP_CHECK_APP_ID });
    });
  });

  for (const [name, claims, projectNumber] of [
    ["aud of another project", { aud: ["projects/999", "projects/other-project"] }],
    ["aud without the project id", { aud: [`projects/${APP_CHECK_PROJECT_NUMBER}`] }],
    ["aud without the project id, no project number configured", { aud: [`projects/${APP_CHECK_PROJECT_NUMBER}`] }, null],
    ["aud without the configured project number", { aud: [`projects/${APP_CHECK_PROJECT_ID}`] }],
    ["aud a string, not an array", { aud: `projects/${APP_CHECK_PROJECT_ID}` }, null],
    ["aud an empty array", { aud: [] }],
    ["no aud", { aud: undefined }],
  ] as const) {
    it(`${name}: wrong_audience`, async () => {
      await expectRejected(verifierOf(projectNumber), tokenOf({ claims }), "wrong_audience");
    });
  }

  for (const [name, iss, projectNumber] of [
    ["another issuer", "https://securetoken.google.com/demo-flutterflow-auth"],
    ["an issuer that only looks like App Check's", "https://firebaseappcheck.googleapis.com.evil.example/123456789012"],
    ["an http issuer", "http://firebaseappcheck.googleapis.com/123456789012"],
    ["no issuer", undefined],
    ["a non-string issuer", 123456789012],
    ["another issuer, no project number configured", "https://example.com/", null],
    ["the issuer of another project number", "https://firebaseappcheck.googleapis.com/999999999999"],
    ["the issuer of the project number plus a suffix", `https://firebaseappcheck.googleapis.com/${APP_CHECK_PROJECT_NUMBER}/x`],
  ] as const) {
    it(`${name}: wrong_issuer`, async () => {
      await expectRejected(verifierOf(projectNumber), tokenOf({ claims: { iss } }), "wrong_issuer");
    });
  }

  for (const [name, sub] of [
    ["no sub", undefined],
    ["an empty sub", ""],
    ["a non-string sub", 12],
  ] as const) {
    it(`${name}: no_subject`, async () => {
      await expectRejected(verifierOf(), tokenOf({ claims: { sub } }), "no_subject");
    });
  }

  for (const alg of ["RS384", "RS512", "HS256", "none"] as const) {
    it(`alg ${alg}: wrong_algorithm`, async () => {
      await expectRejected(verifierOf(), tokenOf({ alg }), "wrong_algorithm");
    });
  }

  it("HS256 signed with the trusted public key as the secret, and header alg missing or of another case: wrong_algorithm", async () => {
    await expectRejected(verifierOf(), tokenOf({ alg: "HS256" }), "wrong_algorithm");
    await expectRejected(verifierOf(), tokenOf({ header: { alg: undefined } }), "wrong_algorithm");
    await expectRejected(verifierOf(), tokenOf({ header: { alg: "rs256" } }), "wrong_algorithm");
  });

  it("a kid the key set lacks: unknown_key", async () => {
    await expectRejected(verifierOf(), tokenOf({ header: { kid: "rotated-away" } }), "unknown_key");
    await expectRejected(verifierOf(), tokenOf({ key: OTHER_KEY }), "unknown_key");
  });

  it("signed by another key under the trusted kid: bad_signature", async () => {
    await expectRejected(verifierOf(), tokenOf({ key: OTHER_KEY, header: { kid: APP_CHECK_KEY.kid } }), "bad_signature");
  });

  it("no kid: every key of the set is tried (firebase-admin's verifyWithAllKeys); none fits: bad_signature", async () => {
    const both = verifierOf(APP_CHECK_PROJECT_NUMBER, appCheckJwks(OTHER_KEY, APP_CHECK_KEY));
    expect(await both.verify(tokenOf({ header: { kid: undefined } }))).to.include({ appId: APP_CHECK_APP_ID });
    expect(await verifierOf().verify(tokenOf({ header: { kid: undefined } }))).to.include({ appId: APP_CHECK_APP_ID });
    const stranger = newAppCheckKey();
    await expectRejected(both, tokenOf({ key: stranger, header: { kid: undefined } }), "bad_signature");
    await expectRejected(verifierOf(), tokenOf({ key: stranger, header: { kid: undefined } }), "bad_signature");
  });

  it("a tampered payload or header, or a truncated or missing signature: bad_signature", async () => {
    const [header, payload, signature] = tokenOf().split(".") as [string, string, string];
    const tampered = segment({ ...payloadOf(tokenOf()), sub: "1:123456789012:android:other" });
    await expectRejected(verifierOf(), `${header}.${tampered}.${signature}`, "bad_signature");
    await expectRejected(verifierOf(), `${segment({ alg: "RS256", kid: APP_CHECK_KEY.kid })}.${payload}.${signature}`, "bad_signature");
    await expectRejected(verifierOf(), `${header}.${payload}.${signature.slice(0, -4)}`, "bad_signature");
    await expectRejected(verifierOf(), `${header}.${payload}.`, "bad_signature");
  });

  for (const [name, claims] of [
    ["no exp", { exp: undefined }],
    ["a string exp", { exp: String(NOW_S + 3600) }],
    ["a string iat", { iat: String(NOW_S) }],
    ["a string nbf", { nbf: String(NOW_S) }],
    ["a numeric jti", { jti: 7 }],
    ["an empty jti", { jti: "" }],
  ] as const) {
    it(`${name}: malformed`, async () => {
      await expectRejected(verifierOf(), tokenOf({ claims }), "malformed");
    });
  }

  it("a crit header (an extension App Check does not use): malformed", async () => {
    await expectRejected(verifierOf(), tokenOf({ header: { crit: ["exp"], exp: 1 } }), "malformed");
    await expectRejected(verifierOf(), tokenOf({ header: { crit: ["b64"], b64: false } }), "malformed");
  });

  it("garbage: malformed", async () => {
    const valid = tokenOf();
    const [header, payload, signature] = valid.split(".") as [string, string, string];
    for (const garbage of [
      "",
      "x",
      "null",
      "a.b",
      "a.b.c",
      "..",
      `${header}.${payload}`,
      `${valid}.${signature}`,
      `${valid} `,
      `Bearer ${valid}`,
      `${header}.${payload}.${signature}=`,
      `${header}.${payload}+.${signature}`,
      `${segment([1])}.${payload}.${signature}`,
      `${header}.${segment(["sub"])}.${signature}`,
      `${header}.${segment("a string")}.${signature}`,
      `${header}.${segment(null)}.${signature}`,
      `${header}.${Buffer.from("{not json").toString("base64url")}.${signature}`,
      `${header}.${Buffer.from([0x7b, 0xff, 0x7d]).toString("base64url")}.${signature}`,
    ]) {
      await expectRejected(verifierOf(), garbage, "malformed");
    }
  });

  it("a string over 4096 characters: malformed, whatever it holds", async () => {
    await expectRejected(verifierOf(), "a".repeat(4097), "malformed");
    const padded = tokenOf({ claims: { padding: "p".repeat(4096) } });
    expect(padded.length).to.be.greaterThan(4096);
    await expectRejected(verifierOf(), padded, "malformed");
  });

  it("a non-string from an untyped caller: malformed", async () => {
    for (const value of [undefined, null, 42, { token: "x" }]) {
      const error = await rejection(verifierOf().verify(value as unknown as string));
      expect(error).to.be.instanceOf(AppCheckRejected).with.property("reason", "malformed");
    }
  });

  it("an empty project id or a project number that is not digits: refused when made", () => {
    expect(() => appCheckVerifier({ projectId: "", keys: APP_CHECK_JWKS })).to.throw(Error, /project id/);
    for (const projectNumber of ["", "12a", "projects/1"]) {
      expect(() => appCheckVerifier({ projectId: APP_CHECK_PROJECT_ID, projectNumber, keys: APP_CHECK_JWKS })).to.throw(
        Error,
        /project number/,
      );
    }
  });
});

describe('appCheckVerifier ("google": a remote key set)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
  });

  async function serve(listener: RequestListener): Promise<URL> {
    const server = createServer(listener);
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/jwks`);
  }
  const remote = (jwksUrl: URL) =>
    appCheckVerifier({ projectId: APP_CHECK_PROJECT_ID, projectNumber: APP_CHECK_PROJECT_NUMBER, keys: "google", jwksUrl, now: () => NOW });

  it("production's default is Google's App Check JWKS", () => {
    expect(GOOGLE_APP_CHECK_JWKS_URL).to.equal("https://firebaseappcheck.googleapis.com/v1/jwks");
  });

  it("a served key set: valid tokens pass, fetched once; an unknown kid (within the refetch cooldown) is unknown_key", async () => {
    let fetches = 0;
    const url = await serve((_, response) => {
      fetches += 1;
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(APP_CHECK_JWKS));
    });
    const verifier = remote(url);
    expect(await verifier.verify(tokenOf())).to.include({ appId: APP_CHECK_APP_ID });
    expect(await verifier.verify(tokenOf())).to.include({ appId: APP_CHECK_APP_ID });
    await expectRejected(verifier, tokenOf({ key: OTHER_KEY }), "unknown_key");
    await expectRejected(verifier, tokenOf({ key: OTHER_KEY, header: { kid: APP_CHECK_KEY.kid } }), "bad_signature");
    expect(fetches).to.equal(1);
  });

  it("a token rejected on its claims never fetches the key set", async () => {
    let fetches = 0;
    const url = await serve((_, response) => {
      fetches += 1;
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(APP_CHECK_JWKS));
    });
    await expectRejected(remote(url), tokenOf({ alg: "none" }), "wrong_algorithm");
    await expectRejected(remote(url), tokenOf({ claims: { aud: ["projects/other"] } }), "wrong_audience");
    expect(fetches).to.equal(0);
  });

  async function outage(url: URL): Promise<void> {
    const error = await rejection(remote(url).verify(tokenOf()));
    expect(error).to.be.instanceOf(Error);
    expect(error).not.to.be.instanceOf(AppCheckRejected);
  }

  it("nothing listening (a closed port): a plain error, not AppCheckRejected", async () => {
    const url = await serve(() => undefined);
    await new Promise((done) => (servers.pop() as Server).close(done));
    await outage(url);
  });

  it("a 503, a non-JSON answer or a key set that is not one: a plain error, not AppCheckRejected", async () => {
    await outage(await serve((_, response) => response.writeHead(503).end("unavailable")));
    await outage(await serve((_, response) => response.writeHead(200, { "content-type": "application/json" }).end("<html>")));
    await outage(await serve((_, response) => response.writeHead(200, { "content-type": "application/json" }).end('{"keys":"none"}')));
  });
});
