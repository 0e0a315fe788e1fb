import { AppError } from "../../src/errors.js";

/** Awaits a promise that must reject with an AppError, and returns that error. */
export async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}
