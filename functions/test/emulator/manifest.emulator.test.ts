import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";

// What `firebase deploy` would create, read the way it reads it, without a network: the
// firebase-functions SDK's own binary loads the BUILT codebase (functions/lib, made by `npm run
// build`, which `npm test` runs first) and serves its deploy manifest at /__/functions.yaml
// (FUNCTIONS_CONTROL_API), the endpoint firebase-tools asks during a deploy.
const functionsDir = join(__dirname, "..", "..");
const PORT = 8296;

interface Endpoint {
  platform: string;
  region: string[] | string;
  availableMemoryMb?: number;
  cpu?: number;
  concurrency?: number;
  timeoutSeconds?: number;
  maxInstances?: unknown;
  minInstances?: unknown;
  httpsTrigger?: { invoker?: string[] };
  scheduleTrigger?: { schedule: string };
  eventTrigger?: { eventType: string; eventFilters: Record<string, string>; retry: boolean };
  secretEnvironmentVariables?: { key: string }[];
}

interface Manifest {
  endpoints: Record<string, Endpoint>;
  params?: { name: string; type: string; default?: unknown }[];
}

/** Serves the built codebase's manifest as `firebase deploy` does (FUNCTIONS_CONTROL_API) with `env`, and reads it. */
async function discover(port: number, env: Record<string, string> = {}): Promise<Manifest> {
  if (!existsSync(join(functionsDir, "lib", "index.js")))
    throw new Error("functions/lib is missing: run `npm run build` in functions/ (npm test does)");
  const server: ChildProcess = spawn(
    process.execPath,
    [join(functionsDir, "node_modules", "firebase-functions", "lib", "bin", "firebase-functions.js"), functionsDir],
    {
      cwd: functionsDir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        PORT: String(port),
        FUNCTIONS_CONTROL_API: "true",
        GCLOUD_PROJECT: "demo-manifest",
        ...env,
      },
      stdio: "ignore",
    },
  );
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${port}/__/functions.yaml`).catch(() => undefined);
      if (response !== undefined) {
        const text = await response.text();
        expect(response.status, text).to.equal(200);
        return JSON.parse(text) as Manifest;
      }
      if (Date.now() > deadline) throw new Error("the manifest server did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    server.kill();
  }
}

describe("deploy manifest (the built codebase, as firebase deploy discovers it)", function () {
  this.timeout(30_000);
  let manifest: Manifest;

  before(async () => {
    manifest = await discover(PORT);
  });

  it("MAIL_TRANSPORT=smtp in functions/.env binds the SMTP_URL secret too (and only then)", async () => {
    const smtp = await discover(PORT + 1, { MAIL_TRANSPORT: "smtp" });
    expect(smtp.endpoints.auth?.secretEnvironmentVariables?.map((s) => s.key)).to.deep.equal(["AUTH_HMAC_KEY", "SMTP_URL"]);
    expect(manifest.endpoints.auth?.secretEnvironmentVariables?.map((s) => s.key)).to.deep.equal(["AUTH_HMAC_KEY"]);
  });

  it("TOKEN_SIGNING=key in functions/.env binds the TOKEN_SIGNING_KEY secret (and only then)", async () => {
    const key = await discover(PORT + 2, { TOKEN_SIGNING: "key" });
    expect(key.endpoints.auth?.secretEnvironmentVariables?.map((s) => s.key)).to.deep.equal(["AUTH_HMAC_KEY", "TOKEN_SIGNING_KEY"]);
    expect(key.endpoints.cleanupSessions?.secretEnvironmentVariables ?? []).to.deep.equal([]);
  });

  it("exactly three functions, every one 2nd gen, in the AUTH_REGION parameter's region (default us-central1)", () => {
    expect(Object.keys(manifest.endpoints).sort()).to.deep.equal(["auth", "authUserDeleted", "cleanupSessions"]);
    for (const [name, endpoint] of Object.entries(manifest.endpoints)) {
      expect([name, endpoint.platform, endpoint.region]).to.deep.equal([name, "gcfv2", "{{ params.AUTH_REGION }}"]);
    }
    const params = Object.fromEntries((manifest.params ?? []).map((p) => [p.name, p]));
    expect(params.AUTH_REGION).to.deep.include({ type: "string", default: "us-central1" });
  });

  it("auth: public HTTPS, 512 MiB, 1 CPU, concurrency 32, 30 s, bounded instances from parameters, the HMAC secret", () => {
    const auth = manifest.endpoints.auth;
    expect(auth?.httpsTrigger?.invoker).to.deep.equal(["public"]);
    expect([auth?.availableMemoryMb, auth?.cpu, auth?.concurrency, auth?.timeoutSeconds]).to.deep.equal([512, 1, 32, 30]);
    expect(auth?.maxInstances).to.equal("{{ params.AUTH_MAX_INSTANCES }}");
    expect(auth?.minInstances).to.equal("{{ params.AUTH_MIN_INSTANCES }}");
    expect(auth?.secretEnvironmentVariables?.map((s) => s.key)).to.deep.equal(["AUTH_HMAC_KEY"]);
    const params = Object.fromEntries((manifest.params ?? []).map((p) => [p.name, p]));
    expect(params.AUTH_MAX_INSTANCES).to.deep.include({ type: "int", default: 10 });
    expect(params.AUTH_MIN_INSTANCES).to.deep.include({ type: "int", default: 0 });
    expect(params.AUTH_HMAC_KEY).to.deep.include({ type: "secret" });
  });

  it("nothing else is public: the scheduled clean-up and the Auth trigger have no HTTPS trigger", () => {
    const others = Object.entries(manifest.endpoints).filter(([name]) => name !== "auth");
    for (const [name, endpoint] of others) expect(endpoint.httpsTrigger, name).to.equal(undefined);
  });

  it("cleanupSessions: a daily Cloud Scheduler job, 540 s", () => {
    const cleanup = manifest.endpoints.cleanupSessions;
    expect(cleanup?.scheduleTrigger?.schedule).to.equal("every 24 hours");
    expect(cleanup?.timeoutSeconds).to.equal(540);
  });

  it("authUserDeleted: Firebase Auth's 2nd-gen deletion event (Eventarc), no tenant filter, retried, 256 MiB", () => {
    const trigger = manifest.endpoints.authUserDeleted;
    expect(trigger?.eventTrigger).to.deep.include({ eventType: "google.firebase.auth.user.v2.deleted", eventFilters: {}, retry: true });
    expect(trigger?.availableMemoryMb).to.equal(256);
  });
});
