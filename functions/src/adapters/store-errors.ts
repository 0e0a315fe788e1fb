import { unavailable } from "../errors.js";

/** gRPC status codes that Firestore and Google APIs use for passing trouble. */
const TRANSIENT = new Set([
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  10, // ABORTED (contention)
  14, // UNAVAILABLE
]);

export const ALREADY_EXISTS = 6;
export const NOT_FOUND = 5;

export function grpcCode(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const { code } = error;
    if (typeof code === "number") return code;
  }
  return undefined;
}

/** Turns a transient store failure into a retryable 503; anything else stays a 500. */
export function translateStoreError(error: unknown): unknown {
  const code = grpcCode(error);
  return code !== undefined && TRANSIENT.has(code) ? unavailable(error) : error;
}
