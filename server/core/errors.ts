// One error type for the whole domain. The code says what went wrong in terms a
// caller can act on; server/http/error-response.ts is the one place that turns a
// code into an HTTP status, so the core never thinks in HTTP.

export const ERROR_CODES = [
  "VALIDATION_FAILED", // input does not match its schema
  "MALFORMED_REQUEST", // body is not JSON, or not parseable at all
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE", // a body that is not JSON where JSON is required
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT", // the request clashes with current state (duplicate name, …)
  "VERSION_CONFLICT", // optimistic concurrency: someone else changed it first
  "INVALID_TRANSITION", // the state machine refuses the move
  "LOCK_ORDER_VIOLATION",
  "DEADLOCK_DETECTED",
  "LOCK_TIMEOUT",
  "LOCK_LOST", // a lease expired or was force-released while its holder still worked
  "RATE_LIMITED",
  "UNAVAILABLE", // a dependency (store, Redis, …) does not answer
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
