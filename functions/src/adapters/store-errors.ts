import { errorCode } from "../errors.js";

// gRPC status codes an adapter gives a meaning of its own (the rest reach the HTTP edge, errors.ts).
export const ALREADY_EXISTS = 6;
export const NOT_FOUND = 5;
export const FAILED_PRECONDITION = 9;
export const ABORTED = 10;

export function grpcCode(error: unknown): number | undefined {
  const code = errorCode(error);
  return typeof code === "number" ? code : undefined;
}
