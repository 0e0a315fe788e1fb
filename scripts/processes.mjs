// Process and port helpers shared by the stack and the benchmark.
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when something accepts TCP connections on host:port. */
export function portInUse(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Polls `check` until it resolves true; throws after `timeoutMs` or when `cancelled()` says so. */
export async function waitFor(what, check, timeoutMs, cancelled = () => false) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cancelled()) throw new Error(`stopped while waiting for ${what}`);
    if (await check().catch(() => false)) return;
    await sleep(50); // fine-grained: the benchmark times cold starts with it
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

/**
 * Stops a child started with `detached: true` (its own process group): SIGINT to the group
 * (the emulators shut down cleanly on it), SIGKILL after `graceMs`, then SIGKILL to whatever
 * the leader left behind in its group.
 */
export async function killGroup(child, graceMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      // already gone
    }
  };
  signal("SIGINT");
  const timer = setTimeout(() => signal("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  signal("SIGKILL");
}

/**
 * CPU seconds of a process by kind of thread (Linux /proc): the JS main thread, libuv's pool
 * (where Argon2 runs) and the rest (GC, compiler, inspector...).
 */
export function cpuByThread(pid) {
  const out = { main: 0, pool: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
      const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime + stime
      out[tid === String(pid) ? "main" : comm.startsWith("libuv-worker") ? "pool" : "other"] += seconds;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux
