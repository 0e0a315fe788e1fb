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

/** Turns a transient failure (Firestore, Auth, IAM) into a retryable 503; anything else stays a 500. */
export function translateStoreError(error: unknown): unknown {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  const transient = typeof code === "number" ? TRANSIENT.has(code) : typeof code === "string" && TRANSIENT_SDK.has(code);
  return transient ? unavailable(error) : error;
}
