import "server-only";
import { ZodError } from "zod";
import { AppError, type ErrorCode } from "../core/errors";

// The one mapper from errors to HTTP. 4xx bodies say what is wrong so a caller
// can fix it; a 500 says only that something failed and which request it was,
// because internals (SQL, stack traces, hostnames) are not for callers.

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 422,
  MALFORMED_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  VERSION_CONFLICT: 409,
  INVALID_TRANSITION: 409,
  LOCK_ORDER_VIOLATION: 409,
  DEADLOCK_DETECTED: 409,
  LOCK_TIMEOUT: 423,
  LOCK_LOST: 409,
  STALE_FENCING_TOKEN: 409,
  LEASE_ENDED: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: Record<string, unknown> };
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** True when the error is ours to fix (log it with its stack), false when the caller's. */
  unexpected: boolean;
}

export function mapError(error: unknown, requestId: string): MappedError {
  if (error instanceof AppError && error.code !== "INTERNAL") {
    return { status: STATUS[error.code], body: { error: { code: error.code, message: error.message, details: error.details } }, unexpected: error.code === "UNAVAILABLE" };
  }
  if (error instanceof ZodError) {
    return {
      status: 422,
      body: {
        error: {
          code: "VALIDATION_FAILED",
          message: `Invalid input: ${error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ")}`,
          details: { issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message, code: i.code })) },
        },
      },
      unexpected: false,
    };
  }
  return { status: 500, body: { error: { code: "INTERNAL", message: "Internal error", details: { requestId } } }, unexpected: true };
}
