// Deadlines: every call to Firestore or Firebase Auth gets one, and every HTTP request a budget.
//
// Both clients wait far too long on their own during an outage. Firestore's retries a call that
// cannot reach the server, with growing delays, for a minute or more (a refused connection and
// a silent one alike); firebase-admin's HTTP client waits 25 s per Auth request and retries a
// timeout 4 times. Neither can be cancelled, so the answer is raced against a timer: past the
// deadline the caller gets a DEADLINE_EXCEEDED error (a 503 at the HTTP edge) while the call
// itself may still complete later. That is why every write is built to be retried (README,
// "Outages").
//
// The request's budget travels with the request (AsyncLocalStorage), so the adapters need no
// extra argument: a call's deadline is the shorter of its own and what is left of the budget,
// and once the budget is spent no further call starts.
import { AsyncLocalStorage } from "node:async_hooks";
import { DEADLINES } from "./config.js";
import { unavailable } from "./errors.js";

/** gRPC's DEADLINE_EXCEEDED, which the error mapping treats as transient (errors.ts). */
export class DeadlineExceeded extends Error {
  readonly code = 4;
  constructor(message: string) {
    super(message);
    this.name = "DeadlineExceeded";
  }
}

/** When the current request's budget ends (epoch milliseconds); undefined outside a request. */
const budgetEnd = new AsyncLocalStorage<number>();

function race<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`${what}: no answer within ${ms} ms`)), ms);
  });
  // A call that fails after its deadline has nobody left to tell.
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs one request under a budget of `ms`: past it the answer is 503 `unavailable` (whatever is
 * still running is not waited for, and starts no further call).
 */
export async function withinBudget<T>(work: () => Promise<T>, ms: number = DEADLINES.requestMs): Promise<T> {
  try {
    return await race(budgetEnd.run(Date.now() + ms, work), ms, "request budget");
  } catch (error) {
    throw error instanceof DeadlineExceeded ? unavailable(error) : error;
  }
}

/** The least budget a call is started with (see withDeadline). */
const MIN_CALL_MS = 5;

/**
 * Starts one call to Firestore or Firebase Auth and waits at most `ms` (and at most what is
 * left of the request's budget) for it. A spent budget rejects without starting the call.
 */
export function withDeadline<T>(start: () => Promise<T>, ms: number = DEADLINES.callMs): Promise<T> {
  const end = budgetEnd.getStore();
  const limit = end === undefined ? ms : Math.min(ms, end - Date.now());
  // Under MIN_CALL_MS left the budget counts as spent: no call finishes in that time, and a timer
  // may fire a millisecond before Date.now() reaches its end (a call cut at the budget would
  // otherwise find 1 ms left and start the next one: seen once in the unit tests under load).
  if (limit <= 0 || (end !== undefined && limit < MIN_CALL_MS)) {
    return Promise.reject(new DeadlineExceeded("request budget spent: call not started"));
  }
  let work: Promise<T>;
  try {
    work = start();
  } catch (error) {
    return Promise.reject(error); // a call refused before it started (say, a malformed write) fails like any other
  }
  return race(work, limit, "store call");
}
