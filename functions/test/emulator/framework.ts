import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { join } from "node:path";
import { fetchReply, type Reply, randomClientIp } from "./helpers.js";

// The built `auth` function served by Google's Functions Framework - what Cloud Functions 2nd
// gen runs in production: ONE process answering many requests at once (concurrency 32), where
// the Functions emulator starts a worker per concurrent request. Attacks that depend on
// concurrency inside one instance are sent here.
export const root = join(__dirname, "..", "..", "..");

export const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts a process in its own group (so stopping it stops its children). */
export function startProcess(command: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(command, args, { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: "ignore" });
}

export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid, "SIGINT");
  const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The command line that serves the built `auth` function under the Functions Framework on `port`. */
export function functionsFrameworkArgs(port: number): string[] {
  return [
    join(root, "node_modules", "@google-cloud", "functions-framework", "build", "src", "main.js"),
    "--target=auth",
    `--source=${join(root, "functions")}`,
    `--port=${port}`,
    "--signature-type=http",
  ];
}

export interface Served {
  readonly url: string;
  readonly process: ChildProcess;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
}

/** Serves the built function on `port` (with `env` on top of this process's: the stack's emulators by default). */
export async function serveFunction(port: number, env: Record<string, string> = {}): Promise<Served> {
  if (await portOpen(port)) throw new Error(`port ${port} is in use`);
  // FUNCTION_TARGET: Cloud Run sets it for a function, and the auth service caps its body parsers by it (http/body-cap.ts).
  const child = startProcess("node", functionsFrameworkArgs(port), {
    NODE_ENV: "production",
    METADATA_SERVER_DETECTION: "none",
    FUNCTION_TARGET: "auth",
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetchReply(`${url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Forwarded-For": "198.51.100.77", ...headers },
      body: JSON.stringify(body),
    });
  await waitFor("the function under the Functions Framework", async () => (await post("/login", {})).status === 400);
  return { url, process: child, post };
}

/** The function under the Functions Framework with its output kept (its security events: login-code and app-check.emulator.test.ts). */
export interface LoggedFunction extends Served {
  output(): string;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
}

export async function serveLogged(port: number, env: Record<string, string>): Promise<LoggedFunction> {
  if (await portOpen(port)) throw new Error(`port ${port} is in use`);
  const child: ChildProcess = spawn("node", functionsFrameworkArgs(port), {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", METADATA_SERVER_DETECTION: "none", FUNCTION_TARGET: "auth", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const postTo = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetchReply(`${url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Forwarded-For": randomClientIp(), ...headers },
      body: JSON.stringify(body),
    });
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetchReply(`${url}${path}`, { method: "GET", headers: { "X-Forwarded-For": randomClientIp(), ...headers } });
  try {
    // A body the schema refuses is a 400 before App Check is read (route.ts's order): ready under any mode.
    await waitFor("the function under the Functions Framework", async () => (await postTo("/login", {})).status === 400);
  } catch (error) {
    await stopProcess(child);
    throw new Error(`${String(error)}; its output: ${output}`);
  }
  return { url, process: child, post: postTo, get, output: () => output };
}

/** The security events `name` in a function's output (one JSON line each). */
export function eventsIn(output: string, name: string): Record<string, unknown>[] {
  return output
    .split("\n")
    .filter((line) => line.includes(`"event":"${name}"`))
    .map((line) => JSON.parse(line.slice(line.indexOf("{"))) as Record<string, unknown>);
}
