// gRPC status codes an adapter gives a meaning of its own (the rest reach the HTTP edge, errors.ts).
export const ALREADY_EXISTS = 6;
export const NOT_FOUND = 5;

export function grpcCode(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const { code } = error;
    if (typeof code === "number") return code;
  }
  return undefined;
}
