import { setTimeout as sleep } from "node:timers/promises";

/**
 * Runs `work` and answers no sooner than `ms` after it started, whatever the outcome (a success,
 * a 429, a 503): what the work did (mail a code or not) does not show in the timing.
 */
export async function withFloor<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const floor = sleep(ms);
  try {
    return await work();
  } finally {
    await floor;
  }
}
