import "server-only";

import { PermanentDeliveryError, RetryableDeliveryError } from "./errors";

// The one HTTP request every webhook channel makes (Slack, Teams, PagerDuty),
// and how its answer is classified. The webhook URLs carry their secret in the
// path or query (Slack's /services/T…/B…/X…, Teams' sig=…), so no message built
// here ever contains the URL; only the receiver's status and answer.

export interface HttpAnswer {
  status: number;
  text: string;
  /** Retry-After in milliseconds, when the receiver sent one. */
  retryAfterMs: number | null;
}

/** How much of the receiver's answer an error message quotes. */
export const ANSWER_SNIPPET_CHARS = 200;

export function snippet(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") return "(empty answer)";
  return trimmed.length <= ANSWER_SNIPPET_CHARS ? trimmed : trimmed.slice(0, ANSWER_SNIPPET_CHARS);
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
    const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : null;
    return detail ? `${error.message} (${detail})` : error.message;
  }
  return String(error);
}

/**
 * POSTs `payload` as JSON. Resolves with whatever the receiver answered (any
 * status); throws a RetryableDeliveryError when there was no answer (refused
 * connection, DNS, reset, or nothing within `timeoutMs`), and the caller's
 * abort reason as soon as `signal` aborts.
 */
export async function postJson(what: string, url: string, payload: unknown, signal: AbortSignal, timeoutMs: number): Promise<HttpAnswer> {
  if (signal.aborted) throw signal.reason;
  const body = JSON.stringify(payload);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body,
      // A webhook is meant for the configured URL only; a redirect is reported, not followed.
      redirect: "manual",
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await response.text();
    return { status: response.status, text, retryAfterMs: parseRetryAfter(response.headers.get("retry-after")) };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof Error && error.name === "TimeoutError") {
      throw new RetryableDeliveryError(`${what}: no answer within ${timeoutMs} ms`, { cause: error });
    }
    throw new RetryableDeliveryError(`${what}: request failed: ${describeNetworkError(error)}`, { cause: error });
  }
}

/** Worth retrying: the receiver failed or asked us to slow down. Every other non-2xx is about the request itself. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** The error for a non-2xx answer: 5xx, 429 and 408 are retryable; 3xx and the other 4xx are permanent. */
export function failureFor(what: string, answer: HttpAnswer): RetryableDeliveryError | PermanentDeliveryError {
  const message = `${what} answered HTTP ${answer.status}: ${snippet(answer.text)}`;
  return isRetryableStatus(answer.status)
    ? new RetryableDeliveryError(message, { status: answer.status, retryAfterMs: answer.retryAfterMs })
    : new PermanentDeliveryError(message, { status: answer.status });
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
