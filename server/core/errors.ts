// One error type for the whole domain. The code says what went wrong in terms a
// caller can act on; server/http/error-response.ts is the one place that turns a
// code into an HTTP status, so the core never thinks in HTTP.

export const ERROR_CODES = [
  "VALIDATION_FAILED", // input does not match its schema
  "MALFORMED_REQUEST", // body is not JSON, or not parseable at all
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE", // a body that is not JSON where JSON is required
  "METHOD_NOT_ALLOWED", // the path exists, the HTTP method does not
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
  "STALE_FENCING_TOKEN", // a report carries a token that is not the current holder's
  "LEASE_ENDED", // an execution lease expired, was revoked or completed: nothing more is taken under it
  "RATE_LIMITED",
  "UNAVAILABLE", // a dependency (store, Redis, …) does not answer
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorDetails = Record<string, unknown>;

// The built server holds more than one copy of this module (Next bundles the
// instrumentation hook, each route and server rendering separately, and the
// container built by the first is shared through globalThis), so an AppError
// thrown by the core can come from another copy of the class. `instanceof`
// therefore checks a brand registered process-wide, not the class identity:
// otherwise a FORBIDDEN from the core would be answered as a 500.
const APP_ERROR_BRAND = Symbol.for("interlock.AppError");

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  readonly [APP_ERROR_BRAND] = true;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [APP_ERROR_BRAND]?: unknown })[APP_ERROR_BRAND] === true;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
