import { spawn } from "node:child_process";
import { expect } from "chai";
import { functionsFrameworkArgs, portOpen, root } from "./framework.js";

// The function refuses to start on Cloud Functions (K_SERVICE set by Cloud Run, and not the
// Functions emulator's FIREBASE_DEBUG_MODE, which a deployed .env cannot set) while an emulator
// host is set: under FIREBASE_AUTH_EMULATOR_HOST, firebase-admin would accept unsigned ID tokens
// from anyone. Started as production starts it.
const PORT = 8293;

function startDeployedLike(env: Record<string, string>): Promise<{ code: number | null; output: string; listening: boolean }> {
  return new Promise((resolve) => {
    const child = spawn("node", functionsFrameworkArgs(PORT), {
      cwd: root,
      env: { ...process.env, NODE_ENV: "production", METADATA_SERVER_DETECTION: "none", ...env },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(async () => {
      const listening = await portOpen(PORT);
      child.kill("SIGKILL");
      resolve({ code: null, output, listening });
    }, 15_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output, listening: false });
    });
  });
}

describe("production guard: no emulator hosts in a deployed function", function () {
  this.timeout(60_000);

  it("K_SERVICE with FIREBASE_AUTH_EMULATOR_HOST: the function does not start, and says why", async () => {
    const env: Record<string, string> = { K_SERVICE: "auth", FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:9099", FUNCTIONS_EMULATOR: "" };
    const result = await startDeployedLike(env);
    expect(result.listening, result.output).to.equal(false);
    expect(result.code, result.output).to.not.equal(0);
    expect(result.output).to.match(/Refusing to start: .*FIREBASE_AUTH_EMULATOR_HOST/);
  });

  it("FUNCTIONS_EMULATOR=true, as a deployed .env may set it, does not switch the guard off", async () => {
    // Cloud Run sets K_SERVICE; firebase deploy lets FUNCTIONS_EMULATOR and FIRESTORE_EMULATOR_HOST
    // through from functions/.env (it refuses FIREBASE_* keys, so not FIREBASE_DEBUG_MODE).
    const env: Record<string, string> = {
      K_SERVICE: "auth",
      FUNCTIONS_EMULATOR: "true",
      FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080",
      FIREBASE_AUTH_EMULATOR_HOST: "",
      FIREBASE_DEBUG_MODE: "",
    };
    const result = await startDeployedLike(env);
    expect(result.listening, result.output).to.equal(false);
    expect(result.code, result.output).to.not.equal(0);
    expect(result.output).to.match(/Refusing to start: .*FIRESTORE_EMULATOR_HOST/);
  });
});
