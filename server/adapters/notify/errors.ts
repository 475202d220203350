import "server-only";

// How a channel adapter says whether a failed delivery is worth retrying.
// The delivery worker lives in server/core and may not import adapters, so it
// tells the two apart by the `permanent` property, not by class:
//
//   (error as { permanent?: unknown }).permanent === true  → stop retrying
//   anything else                                          → retry with backoff
//
// `retryAfterMs`, when set, is the receiver's own Retry-After (429 and some 503s).

/** The receiver refused the message itself (bad payload, revoked webhook, wrong key): retrying cannot help. */
export class PermanentDeliveryError extends Error {
  readonly permanent = true as const;
  /** The HTTP status or SMTP reply code, when the receiver gave one. */
  readonly status: number | null;

  constructor(message: string, options: { status?: number | null; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PermanentDeliveryError";
    this.status = options.status ?? null;
  }
}

/** The receiver or the network failed (5xx, 429, timeout, refused connection): try again later. */
export class RetryableDeliveryError extends Error {
  readonly permanent = false as const;
  readonly status: number | null;
  /** How long the receiver asked us to wait (Retry-After), if it said. */
  readonly retryAfterMs: number | null;

  constructor(message: string, options: { status?: number | null; retryAfterMs?: number | null; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RetryableDeliveryError";
    this.status = options.status ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** True for an error that says "do not retry", whichever module created it. */
export function isPermanentDeliveryError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { permanent?: unknown }).permanent === true;
}
