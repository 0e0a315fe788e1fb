import { createRequire } from "node:module";
import { expect } from "chai";
import type { Auth } from "firebase-admin/auth";
import { FirebaseTokenMinter } from "../../src/adapters/firebase-token-minter.js";
import { toAppError } from "../../src/errors.js";

// A custom token signed by IAM's signBlob (Cloud Functions, no key file) that IAM refuses. The
// error is made by firebase-admin's own code, as in production: its IAMSigner and token
// generator (lib/utils/crypto-signer.js, lib/auth/token-generator.js) over a fake transport that
// answers as IAM would, in raw HTTP parsed by firebase-admin's parseHttpResponse
// (lib/utils/api-request.js); the service account is named as `initializeApp({serviceAccountId})`
// names it. The package's exports hide these modules, so they are loaded by path.
const internal = createRequire(require.resolve("firebase-admin"));
interface Answer {
  readonly status: number;
}
interface Internals {
  readonly parseHttpResponse: (raw: string, config: unknown) => Answer;
  readonly RequestResponseError: new (response: Answer) => Error;
  readonly IAMSigner: new (client: { send(request: unknown): Promise<Answer> }, app: { options: { serviceAccountId: string } }) => object;
  readonly FirebaseTokenGenerator: new (signer: object) => Pick<Auth, "createCustomToken">;
}
const { parseHttpResponse, RequestResponseError }: Pick<Internals, "parseHttpResponse" | "RequestResponseError"> =
  internal("./utils/api-request.js");
const { IAMSigner }: Pick<Internals, "IAMSigner"> = internal("./utils/crypto-signer.js");
const { FirebaseTokenGenerator }: Pick<Internals, "FirebaseTokenGenerator"> = internal("./auth/token-generator.js");

const http = (status: string, body: string) => `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\n\r\n${body}`;
const googleError = (code: number, status: string, message: string) => JSON.stringify({ error: { code, message, status } });

/** firebase-admin's Auth.createCustomToken against an IAM that answers signBlob with `status`/`body`. */
function authSigningWith(status: string, body: string): Pick<Auth, "createCustomToken"> {
  const iam = { send: (request: unknown) => Promise.reject(new RequestResponseError(parseHttpResponse(http(status, body), request))) };
  return new FirebaseTokenGenerator(new IAMSigner(iam, { options: { serviceAccountId: "sa@demo.iam.gserviceaccount.com" } }));
}

async function failure(minter: FirebaseTokenMinter): Promise<unknown> {
  return minter.mint("u1", { role_id: 1 }).then(
    () => expect.fail("minted"),
    (error: unknown) => error,
  );
}

describe("FirebaseTokenMinter: IAM signBlob refusals (firebase-admin's own error shapes)", () => {
  it("quota exhausted (429 RESOURCE_EXHAUSTED, firebase-admin's auth/internal-error): 503 unavailable with Retry-After", async () => {
    const auth = authSigningWith(
      "429 Too Many Requests",
      googleError(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Sign Blob'"),
    );
    // What firebase-admin throws: nothing in its code says "quota" or "try again".
    const raw = await auth.createCustomToken("u1").catch((error: unknown) => error);
    expect(raw).to.include({ code: "auth/internal-error" });
    expect(raw).to.have.nested.property("httpResponse.status", 429);

    const error = toAppError(await failure(new FirebaseTokenMinter(auth)));
    expect([error.status, error.code, error.details.retryAfterSeconds]).to.deep.equal([503, "unavailable", 1]);
  });

  it("IAM unavailable (503 UNAVAILABLE): 503 unavailable", async () => {
    const auth = authSigningWith("503 Service Unavailable", googleError(503, "UNAVAILABLE", "The service is currently unavailable."));
    expect(toAppError(await failure(new FirebaseTokenMinter(auth))).code).to.equal("unavailable");
  });

  it("permission refused (403 PERMISSION_DENIED: the Token Creator role missing) stays a 500: retrying cannot help", async () => {
    const auth = authSigningWith(
      "403 Forbidden",
      googleError(403, "PERMISSION_DENIED", "Permission 'iam.serviceAccounts.signBlob' denied"),
    );
    const error = toAppError(await failure(new FirebaseTokenMinter(auth)));
    expect([error.status, error.code]).to.deep.equal([500, "internal"]);
  });
});
