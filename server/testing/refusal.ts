import { isAppError, type AppError } from "../core/errors";

/** The AppError `promise` is refused with; fails the test when it resolves or throws something else. */
export async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error("expected the call to be refused");
}
