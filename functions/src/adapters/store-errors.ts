import { unavailable } from "../errors.js";

/** gRPC status codes that Firestore and Google APIs use for passing trouble. */
const TRANSIENT = new Set([
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  10, // ABORTED (contention)
  14, // UNAVAILABLE
]);

/** firebase-admin's codes for a service it could not reach (the Auth API, IAM). */
const TRANSIENT_SDK = new Set(["app/network-error", "app/network-timeout", "auth/quota-exceeded"]);

export const ALREADY_EXISTS = 6;
export const NOT_FOUND = 5;

export function grpcCode(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const { code } = error;
    if (typeof code === "number") return code;
  }
  return undefined;
}

/**
 * Firestore's client retries reads on any error, with growing delays, for a minute or more;
 * during an outage a login would hang until the function's own timeout. Reads therefore get a
 * deadline of their own: past it the answer is a clean, retryable 503.
 */
export const READ_DEADLINE_MS = 8_000;

export function withDeadline<T>(work: Promise<T>, ms = READ_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer from the store within ${ms} ms`), { code: 4 })), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Turns a transient failure (Firestore, Auth, IAM) into a retryable 503; anything else stays a 500. */
export function translateStoreError(error: unknown): unknown {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  const transient = typeof code === "number" ? TRANSIENT.has(code) : typeof code === "string" && TRANSIENT_SDK.has(code);
  return transient ? unavailable(error) : error;
}
