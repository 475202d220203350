// The exit codes of the interlock command (docs/cli.md#exit-codes): what a
// script or a CI job branches on. Each code is one kind of outcome; the
// mapping from an operation's final record is here and nowhere else, so the
// commands and the documentation cannot drift apart.
import type { OperationDetail } from "./api-client";

export const EXIT = {
  /** The operation COMPLETED (or a command that only reads or decides succeeded). */
  OK: 0,
  /** The operation FAILED or was ROLLED_BACK: the command failed, the executor failed, or its worker gave up. */
  FAILED: 1,
  /** A bad flag or argument; the message names it. */
  USAGE: 2,
  /** A reviewer rejected it. */
  REJECTED: 3,
  /** Refused before it ran: a conflict or a safety gate (and, for `run`, the same work already in flight). */
  BLOCKED: 4,
  /** It ran out of time: the CLI's --timeout, a lock wait past its limit, a review nobody answered, or the lease expired. */
  TIMED_OUT: 5,
  /** Someone or something else ended it: cancelled, aborted by a person, superseded or preempted, its lease revoked. */
  CANCELLED: 6,
  /** The API could not be reached, or refused the request (401, 403, 404, 409, 422…). */
  API: 7,
  /** The CLI itself received SIGINT (Ctrl-C): 128 + 2, as shells report it. */
  SIGINT: 130,
  /** The CLI itself received SIGTERM: 128 + 15. */
  SIGTERM: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const FINAL_STATES = ["COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED"] as const;

export function isFinal(state: string): boolean {
  return (FINAL_STATES as readonly string[]).includes(state);
}

export interface Verdict {
  code: ExitCode;
  /** One word or two for the summary line: "completed", "rejected", "blocked"… */
  label: string;
}

/**
 * The exit code of a finished operation, read from its detail. The order
 * matters: a rejected review and a lock timeout both end FAILED, so the
 * specific causes are looked at before the general FAILED / ROLLED_BACK.
 * Returns null while the operation is not final.
 *
 * How each cause is recorded (server/core/operations/*):
 * - rejection: the review is REJECTED and the operation FAILED with result
 *   FAILED and reason "Rejected by …" (decide-review.ts);
 * - a review nobody answered: the review is EXPIRED (expire-reviews.ts);
 * - blocked: result BLOCKED_BY_CONFLICT or BLOCKED_BY_GATE (drive-operation.ts);
 * - lock wait too long: result LOCK_TIMEOUT;
 * - the run took longer than the server's executor timeout: reason
 *   "… did not finish within N s and was stopped" (drive-operation.ts);
 * - cancelled: state CANCELLED (result CANCELLED, or SUPERSEDED when a newer
 *   deployment replaced it before it started);
 * - preempted by a rollback: result SUPERSEDED on a FAILED operation;
 * - aborted by a person: reason "Aborted by …", a transition carrying
 *   `abortedBy`, often followed by ROLLED_BACK;
 * - an external run's lease (docs/execution.md#the-lease): EXPIRED or REVOKED.
 */
export function verdictOf(detail: Pick<OperationDetail, "operation"> & Partial<Pick<OperationDetail, "review" | "transitions" | "lease">>): Verdict | null {
  const op = detail.operation;
  if (!isFinal(op.state)) return null;
  if (op.state === "COMPLETED") return { code: EXIT.OK, label: "completed" };
  if (op.state === "CANCELLED") return { code: EXIT.CANCELLED, label: op.result === "SUPERSEDED" ? "superseded" : "cancelled" };
  if (op.result === "BLOCKED_BY_CONFLICT" || op.result === "BLOCKED_BY_GATE") return { code: EXIT.BLOCKED, label: "blocked" };
  const review = detail.review ?? null;
  if (review?.status === "REJECTED" || /^Rejected by /.test(op.reason ?? "")) return { code: EXIT.REJECTED, label: "rejected" };
  if (op.result === "LOCK_TIMEOUT") return { code: EXIT.TIMED_OUT, label: "timed out waiting for its lock" };
  if (review?.status === "EXPIRED") return { code: EXIT.TIMED_OUT, label: "review timed out" };
  if (/ did not finish within \d+ s and was stopped/.test(op.reason ?? "")) return { code: EXIT.TIMED_OUT, label: "executor timed out" };
  const lease = detail.lease ?? null;
  if (lease?.state === "EXPIRED") return { code: EXIT.TIMED_OUT, label: "lease expired" };
  if (op.result === "SUPERSEDED" || op.preemptedBy) return { code: EXIT.CANCELLED, label: "preempted" };
  if (wasAborted(detail)) return { code: EXIT.CANCELLED, label: "aborted" };
  if (lease?.state === "REVOKED") return { code: EXIT.CANCELLED, label: "lease revoked" };
  return { code: EXIT.FAILED, label: op.state === "ROLLED_BACK" ? "rolled back" : "failed" };
}

function wasAborted(detail: Pick<OperationDetail, "operation"> & Partial<Pick<OperationDetail, "transitions">>): boolean {
  if (/^Aborted by /.test(detail.operation.reason ?? "")) return true;
  return (detail.transitions ?? []).some((t) => typeof t.metadata?.["abortedBy"] === "string");
}

/**
 * The exit code of a refused request. LOCK_TIMEOUT (423) is a timeout like
 * any other; everything else the API refuses is the API's refusal (7).
 */
export function exitCodeForApiError(code: string): ExitCode {
  return code === "LOCK_TIMEOUT" ? EXIT.TIMED_OUT : EXIT.API;
}
