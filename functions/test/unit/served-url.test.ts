import { expect } from "chai";
import { deployment } from "../../src/config.js";
import { servedUrl } from "../../src/http/served-url.js";

// GET /openapi.json's server URL (FlutterFlow's API Group base URL): where this request reached
// the API, from its Host - with the function's name where Google's front end (or the emulator)
// strips it from the path.
const production = deployment({ FUNCTION_TARGET: "auth", AUTH_REGION: "europe-west1", GCLOUD_PROJECT: "my-app" });
const emulator = deployment({ FUNCTION_TARGET: "auth", GCLOUD_PROJECT: "demo-x", FUNCTIONS_EMULATOR: "true" });

describe("served URL (GET /openapi.json's servers[0].url)", () => {
  it("the deployment from the environment: function, AUTH_REGION (default us-central1), project, emulator", () => {
    expect(production).to.deep.equal({ functionName: "auth", region: "europe-west1", projectId: "my-app", emulator: false });
    expect(emulator).to.deep.equal({ functionName: "auth", region: "us-central1", projectId: "demo-x", emulator: true });
    expect(deployment({}).functionName).to.equal("auth");
  });

  it("cloudfunctions.net: the function's name is the path; run.app and local servers: the host alone", () => {
    const https = { "x-forwarded-proto": "https" };
    expect(servedUrl({ host: "europe-west1-my-app.cloudfunctions.net", ...https }, production)).to.equal(
      "https://europe-west1-my-app.cloudfunctions.net/auth",
    );
    expect(servedUrl({ host: "auth-x7k2-ew.a.run.app", ...https }, production)).to.equal("https://auth-x7k2-ew.a.run.app");
    expect(servedUrl({ host: "127.0.0.1:8300" }, production)).to.equal("http://127.0.0.1:8300");
  });

  it("the Functions emulator: /PROJECT/REGION/FUNCTION on its host", () => {
    expect(servedUrl({ host: "127.0.0.1:5001" }, emulator)).to.equal("http://127.0.0.1:5001/demo-x/us-central1/auth");
  });

  it("the scheme: https only when X-Forwarded-Proto says so (its first value); anything else is http", () => {
    expect(servedUrl({ host: "a.run.app", "x-forwarded-proto": "https, http" }, production)).to.equal("https://a.run.app");
    expect(servedUrl({ host: "a.run.app", "x-forwarded-proto": "javascript" }, production)).to.equal("http://a.run.app");
  });

  it("no Host, or one that is not a plain host[:port] -> undefined (the document keeps its placeholder)", () => {
    for (const host of [undefined, "", "evil.com/path", "a b", "x@y", "[::1]:5001", "host:port", `${"a".repeat(300)}.com`, "-a.com"]) {
      expect(servedUrl(host === undefined ? {} : { host }, production), String(host)).to.equal(undefined);
    }
  });
});
