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

/** A compare-and-set that met a concurrent change: the precondition failed (or a create found the document). */
const CONFLICTS = new Set([FAILED_PRECONDITION, ALREADY_EXISTS, NOT_FOUND, ABORTED]);

/** A commit that failed on a precondition of one of its writes: nothing of it landed. */
export const isConflict = (error: unknown): boolean => CONFLICTS.has(grpcCode(error) ?? -1);
