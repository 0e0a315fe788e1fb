// App Check tokens made locally: an RS256 key pair per process, its public JSON Web Key Set (what
// appCheckVerifier's `keys` takes instead of Google's), and tokens shaped like the ones Firebase
// App Check issues, with every part overridable to craft the bad ones. Limited-use tokens have the
// same shape and a shorter life: pass `ttlSeconds`.
import { createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import type { JWK } from "jose";

export interface AppCheckTestKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key as its JWKS member: kty, n, e, kid, alg RS256, use sig. */
  readonly publicJwk: JWK;
}

/** A fresh RSA-2048 key pair. */
export function newAppCheckKey(kid = `test-${randomBytes(6).toString("hex")}`): AppCheckTestKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const { n, e } = publicKey.export({ format: "jwk" });
  if (typeof n !== "string" || typeof e !== "string") throw new Error("RSA public key without n or e");
  return { kid, privateKey, publicKey, publicJwk: { kty: "RSA", n, e, kid, alg: "RS256", use: "sig" } };
}

/** A JSON Web Key Set of these keys' public halves. */
export const appCheckJwks = (...keys: readonly AppCheckTestKey[]): { readonly keys: readonly JWK[] } => ({
  keys: keys.map((key) => key.publicJwk),
});

/** The key tokens are signed with unless told otherwise, and the key set that trusts it. */
export const APP_CHECK_KEY = newAppCheckKey("app-check-test-key");
export const APP_CHECK_JWKS = appCheckJwks(APP_CHECK_KEY);

export const APP_CHECK_PROJECT_ID = "demo-flutterflow-auth";
export const APP_CHECK_PROJECT_NUMBER = "123456789012";
export const APP_CHECK_APP_ID = `1:${APP_CHECK_PROJECT_NUMBER}:android:0a1b2c3d4e5f6a7b`;

export interface AppCheckTokenOptions {
  readonly projectId?: string;
  readonly projectNumber?: string;
  /** The `sub` claim (APP_CHECK_APP_ID). */
  readonly appId?: string;
  /** The `iat` basis (the real clock). */
  readonly now?: Date;
  /** `exp` - `iat` (3600 s, an ordinary App Check token's life). */
  readonly ttlSeconds?: number;
  /** Claims over the defaults; a claim set to undefined is left out. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Header members over {alg, typ: "JWT", kid}; a member set to undefined is left out. */
  readonly header?: Readonly<Record<string, unknown>>;
  /** How it is signed (RS256): HS256 uses the public key's PEM as the secret, none leaves the signature empty. */
  readonly alg?: "RS256" | "RS384" | "RS512" | "HS256" | "none";
  /** The signing key (APP_CHECK_KEY); its kid goes in the header unless `header` says otherwise. */
  readonly key?: AppCheckTestKey;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A compact JWS shaped like a Firebase App Check token. */
export function signAppCheckToken(options: AppCheckTokenOptions = {}): string {
  const {
    projectId = APP_CHECK_PROJECT_ID,
    projectNumber = APP_CHECK_PROJECT_NUMBER,
    appId = APP_CHECK_APP_ID,
    now = new Date(),
    ttlSeconds = 3600,
    alg = "RS256",
    key = APP_CHECK_KEY,
  } = options;
  const iat = Math.floor(now.getTime() / 1000);
  const header = { alg, typ: "JWT", kid: key.kid, ...options.header };
  const payload = {
    iss: `https://firebaseappcheck.googleapis.com/${projectNumber}`,
    sub: appId,
    aud: [`projects/${projectNumber}`, `projects/${projectId}`],
    iat,
    exp: iat + ttlSeconds,
    jti: randomBytes(24).toString("base64url"),
    ...options.claims,
  };
  const input = `${json(header)}.${json(payload)}`;
  return `${input}.${signature(input, alg, key).toString("base64url")}`;
}

function signature(input: string, alg: NonNullable<AppCheckTokenOptions["alg"]>, key: AppCheckTestKey): Buffer {
  switch (alg) {
    case "RS256":
      return sign("sha256", Buffer.from(input), key.privateKey);
    case "RS384":
      return sign("sha384", Buffer.from(input), key.privateKey);
    case "RS512":
      return sign("sha512", Buffer.from(input), key.privateKey);
    case "HS256":
      // The algorithm-confusion attack: the verifier's PUBLIC key used as an HMAC secret.
      return createHmac("sha256", key.publicKey.export({ format: "pem", type: "spki" }))
        .update(input)
        .digest();
    case "none":
      return Buffer.alloc(0);
  }
}
