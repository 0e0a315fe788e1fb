import { spawnSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { existsSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { join } from "node:path";
import { expect } from "chai";
import { FirebaseTokenMinter } from "../../src/adapters/firebase-token-minter.js";
import { parseConfig, tokenSigningKey } from "../../src/config.js";
import { signingAuth } from "../../src/firebase.js";

// TOKEN_SIGNING=key: custom tokens signed in the process with a service account key (the
// TOKEN_SIGNING_KEY secret) instead of IAM's signBlob. A throwaway RSA key made here stands for
// the service account's; nothing reaches a network.

const PROJECT = "demo-signing";
const CLIENT_EMAIL = `token-signer@${PROJECT}.iam.gserviceaccount.com`;
const FIREBASE_AUDIENCE = "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit";

const pair = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

/** A key file as IAM's "Add key > JSON" writes it (the fields signing does not use included). */
function keyJson(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: "service_account",
    project_id: PROJECT,
    private_key_id: "0123456789abcdef0123456789abcdef01234567",
    private_key: pair.privateKey,
    client_email: CLIENT_EMAIL,
    client_id: "100000000000000000000",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: "https://oauth2.googleapis.com/token",
    ...fields,
  });
}

const env = (key: string | undefined, more: Record<string, string> = {}) => ({
  GCLOUD_PROJECT: PROJECT,
  ...(key === undefined ? {} : { TOKEN_SIGNING_KEY: key }),
  ...more,
});

/** A run of the key's PEM body: no message may carry any part of it. */
const keyMaterial = pair.privateKey.split("\n")[5] ?? "";

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    expect(message).to.not.include(keyMaterial);
    expect(message).to.not.include("PRIVATE KEY");
    return message;
  }
  return expect.fail("accepted");
}

describe("TOKEN_SIGNING: the setting and its key", () => {
  it("iam by default; only iam or key; with iam the key is neither needed nor read", () => {
    expect(parseConfig({}).TOKEN_SIGNING).to.equal("iam");
    expect(parseConfig({ TOKEN_SIGNING: "key" }).TOKEN_SIGNING).to.equal("key");
    expect(() => parseConfig({ TOKEN_SIGNING: "kms" })).to.throw(/TOKEN_SIGNING/);
    expect(tokenSigningKey("iam", {})).to.equal(undefined);
    expect(tokenSigningKey("iam", env("not even JSON"))).to.equal(undefined);
  });

  it("a service account key of the running project: the three fields cert() needs", () => {
    expect(tokenSigningKey("key", env(keyJson()))).to.deep.equal({
      projectId: PROJECT,
      clientEmail: CLIENT_EMAIL,
      privateKey: pair.privateKey,
    });
    // The project named by FIREBASE_CONFIG when GCLOUD_PROJECT is not set; surrounding whitespace of a secret is fine.
    const viaFirebaseConfig = { TOKEN_SIGNING_KEY: `${keyJson()}\n`, FIREBASE_CONFIG: JSON.stringify({ projectId: PROJECT }) };
    expect(tokenSigningKey("key", viaFirebaseConfig)?.projectId).to.equal(PROJECT);
  });

  it("missing: refused, naming the variable (under the Auth emulator, which mints unsigned tokens, it may be absent)", () => {
    expect(refusal(() => tokenSigningKey("key", env(undefined)))).to.match(/TOKEN_SIGNING_KEY is missing/);
    expect(refusal(() => tokenSigningKey("key", env(" \n")))).to.match(/TOKEN_SIGNING_KEY is missing/);
    expect(tokenSigningKey("key", env(undefined, { FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:9099" }))).to.equal(undefined);
    // Given under the emulator, it is checked all the same.
    expect(refusal(() => tokenSigningKey("key", env("{", { FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:9099" })))).to.match(/not JSON/);
  });

  it("malformed JSON: refused without quoting it (JSON.parse's own message would)", () => {
    const truncated = keyJson().slice(0, 400);
    const message = refusal(() => tokenSigningKey("key", env(truncated)));
    expect(message).to.match(/^TOKEN_SIGNING is key but TOKEN_SIGNING_KEY is not JSON/);
    expect(message).to.not.include(truncated.slice(200, 230));
    // The PEM pasted alone, not the JSON file.
    expect(refusal(() => tokenSigningKey("key", env(pair.privateKey)))).to.match(/TOKEN_SIGNING_KEY is not JSON/);
  });

  it("not a service account key: the wrong type, a missing field, not an RSA key, a short key", () => {
    expect(refusal(() => tokenSigningKey("key", env(keyJson({ type: "authorized_user" }))))).to.match(
      /TOKEN_SIGNING_KEY is not a service account key \(type must be "service_account"\)/,
    );
    expect(refusal(() => tokenSigningKey("key", env(keyJson({ client_email: undefined }))))).to.match(/client_email/);
    expect(refusal(() => tokenSigningKey("key", env(keyJson({ client_email: "someone@example.com" }))))).to.match(/client_email/);
    expect(refusal(() => tokenSigningKey("key", env('["a", "b"]')))).to.match(
      /not a service account key \(the value must be a JSON object\)/,
    );
    const ec = generateKeyPairSync("ec", {
      namedCurve: "P-256",
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    }).privateKey;
    const short = generateKeyPairSync("rsa", {
      modulusLength: 1024,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    }).privateKey;
    for (const privateKey of [ec, short, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"]) {
      const message = refusal(() => tokenSigningKey("key", env(keyJson({ private_key: privateKey }))));
      expect(message).to.match(/private_key must be a PEM RSA private key of 2048 bits or more/);
      expect(message).to.not.include(privateKey.split("\n")[1] ?? "");
    }
  });

  it("a key of another project is refused, and so is a key when the running project is unknown", () => {
    expect(refusal(() => tokenSigningKey("key", env(keyJson({ project_id: "someone-else" }))))).to.match(
      /TOKEN_SIGNING_KEY belongs to project someone-else, not to demo-signing/,
    );
    expect(refusal(() => tokenSigningKey("key", { TOKEN_SIGNING_KEY: keyJson() }))).to.match(/GCLOUD_PROJECT/);
  });
});

describe("TOKEN_SIGNING=key: FirebaseTokenMinter over signingAuth (firebase-admin's cert() signer)", () => {
  let token: string;

  before(async () => {
    // Made outside the Auth emulator: firebase-admin reads FIREBASE_AUTH_EMULATOR_HOST when the
    // Auth is made, and under it every token is unsigned.
    const emulator = process.env.FIREBASE_AUTH_EMULATOR_HOST;
    delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
    const key = tokenSigningKey("key", env(keyJson()));
    if (key === undefined) throw new Error("no key");
    const auth = signingAuth(key);
    if (emulator !== undefined) process.env.FIREBASE_AUTH_EMULATOR_HOST = emulator;
    // No network: any HTTP request while minting fails the test.
    const saved = [http.request, http.get, https.request, https.get] as const;
    const refuse = () => {
      throw new Error("a network request while signing");
    };
    http.request = https.request = refuse;
    http.get = https.get = refuse;
    try {
      token = await new FirebaseTokenMinter(auth).mint("uid-1", { role_id: 3, sid: "session-1" });
    } finally {
      [http.request, http.get, https.request, https.get] = saved;
    }
  });

  const part = (i: number): Record<string, unknown> => JSON.parse(Buffer.from(token.split(".")[i] ?? "", "base64url").toString("utf8"));

  it("an RS256 JWT from the key's service account, for Firebase Auth, with the uid and the claims", () => {
    expect(token.split(".")).to.have.length(3);
    expect(part(0)).to.deep.equal({ alg: "RS256", typ: "JWT" });
    const payload = part(1);
    expect(payload).to.deep.include({ aud: FIREBASE_AUDIENCE, iss: CLIENT_EMAIL, sub: CLIENT_EMAIL, uid: "uid-1" });
    expect(payload.claims).to.deep.equal({ role_id: 3, sid: "session-1" });
    expect(Number(payload.exp) - Number(payload.iat)).to.equal(3600);
    expect(Math.abs(Number(payload.iat) - Date.now() / 1000)).to.be.below(60);
  });

  it("its signature verifies with the key's public key, and not with another", () => {
    const [header, payload, signature] = token.split(".");
    const signed = Buffer.from(`${header}.${payload}`);
    const bytes = Buffer.from(signature ?? "", "base64url");
    expect(verify("RSA-SHA256", signed, createPublicKey(pair.publicKey), bytes)).to.equal(true);
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
    expect(verify("RSA-SHA256", signed, other, bytes)).to.equal(false);
    expect(verify("RSA-SHA256", Buffer.from(`${header}.${payload}x`), createPublicKey(pair.publicKey), bytes)).to.equal(false);
  });
});

describe("TOKEN_SIGNING=key at start-up (the built codebase, as Cloud Run loads the auth function)", function () {
  this.timeout(30_000);
  const functionsDir = join(__dirname, "..", "..");

  /** Loads functions/lib/index.js as the `auth` service with `more` in its environment. */
  function load(more: Record<string, string>) {
    if (!existsSync(join(functionsDir, "lib", "index.js")))
      throw new Error("functions/lib is missing: run `npm run build` in functions/ (npm test does)");
    return spawnSync(process.execPath, ["-e", "require('./lib/index.js')"], {
      cwd: functionsDir,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", GCLOUD_PROJECT: PROJECT, FUNCTION_TARGET: "auth", ...more },
      encoding: "utf8",
    });
  }

  it("a bad key stops the auth function, naming the variable, without printing the key; a good one starts", () => {
    const bad = load({ TOKEN_SIGNING: "key", TOKEN_SIGNING_KEY: keyJson({ project_id: "someone-else" }) });
    expect(bad.status).to.not.equal(0);
    expect(bad.stderr).to.match(/TOKEN_SIGNING_KEY belongs to project someone-else/);
    expect(bad.stderr).to.not.include(keyMaterial);
    expect(load({ TOKEN_SIGNING: "key" }).stderr).to.match(/TOKEN_SIGNING_KEY is missing/);
    const good = load({ TOKEN_SIGNING: "key", TOKEN_SIGNING_KEY: keyJson() });
    expect(good.status, good.stderr).to.equal(0);
    expect(good.stderr).to.not.match(/TOKEN_SIGNING/);
    // The other functions never mint: they start without it.
    expect(load({ TOKEN_SIGNING: "key", FUNCTION_TARGET: "cleanupSessions" }).status).to.equal(0);
  });
});
