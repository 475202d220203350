// Watching an operation: GET /api/v1/operations/{id} until a condition
// holds, every 250 ms at first and every second after (most waits are short,
// a few are long), riding out a restarting server until the deadline, and
// telling the display what changed (docs/cli.md#what-run-shows-and-does).
import { isTransient, type OperationDetail } from "./api-client";
import type { Progress } from "./output";
import { describeWaiting } from "./output";

export type PollOutcome = { kind: "done"; detail: OperationDetail } | { kind: "timeout"; detail: OperationDetail | null } | { kind: "aborted"; detail: OperationDetail | null };

export interface PollOptions {
  get(): Promise<OperationDetail>;
  until(detail: OperationDetail): boolean;
  onUpdate?(detail: OperationDetail): void;
  onRetry?(error: unknown, attempt: number): void;
  /** Give up at this time (ms since the epoch); null: never. */
  deadline: number | null;
  signal?: AbortSignal;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The pause before poll number n (0-based). */
export function pollInterval(n: number): number {
  return n < 4 ? 250 : n < 8 ? 500 : 1000;
}

export async function pollOperation(options: PollOptions): Promise<PollOutcome> {
  let last: OperationDetail | null = null;
  let failures = 0;
  for (let n = 0; ; n++) {
    if (options.signal?.aborted) return { kind: "aborted", detail: last };
    try {
      last = await options.get();
      failures = 0;
      options.onUpdate?.(last);
      if (options.until(last)) return { kind: "done", detail: last };
    } catch (error) {
      if (!isTransient(error)) throw error;
      failures++;
      options.onRetry?.(error, failures);
    }
    if (options.signal?.aborted) return { kind: "aborted", detail: last };
    const wait = failures > 0 ? Math.min(500 * 2 ** (failures - 1), 5000) : pollInterval(n);
    if (options.deadline !== null) {
      const left = options.deadline - options.now();
      if (left <= 0) return { kind: "timeout", detail: last };
      await options.sleep(Math.min(wait, left), options.signal);
      if (!options.signal?.aborted && options.now() >= options.deadline) {
        // One last look at the deadline itself, so an operation that just finished is not reported as timed out.
        try {
          last = await options.get();
          options.onUpdate?.(last);
          if (options.until(last)) return { kind: "done", detail: last };
        } catch (error) {
          if (!isTransient(error)) throw error;
        }
        return { kind: "timeout", detail: last };
      }
    } else {
      await options.sleep(wait, options.signal);
    }
  }
}

/**
 * Prints what happens to an operation while it is watched: each change of
 * state as a line, a review it waits on (once, with the console link), and
 * the status line with what it waits for.
 */
export class Watcher {
  private lastState: string | null = null;
  private readonly reviewsShown = new Set<string>();
  private lastControl: string | null = null;

  constructor(
    private readonly progress: Progress,
    private readonly consoleUrl: string,
  ) {}

  observe(detail: OperationDetail): void {
    const op = detail.operation;
    // The status first, so the lines below are printed above the new one, not the old.
    this.progress.status(describeWaiting(detail));
    if (op.state !== this.lastState) {
      if (this.lastState !== null) this.progress.line(`${this.lastState} → ${op.state}${op.reason && op.state !== "PAUSED_FOR_HUMAN_REVIEW" ? `: ${op.reason}` : ""}`);
      this.lastState = op.state;
    }
    const review = detail.review;
    if (op.state === "PAUSED_FOR_HUMAN_REVIEW" && review && review.status === "PENDING" && !this.reviewsShown.has(review.id)) {
      this.reviewsShown.add(review.id);
      this.progress.line(`Paused for review (${review.severity}): ${review.reason}`);
      this.progress.line(`  approve or reject it at ${this.consoleUrl}`);
    }
    const control = op.control ? `${op.control.action}:${op.control.at}` : null;
    if (control && control !== this.lastControl) this.progress.line(`${op.control!.action.toLowerCase()} requested by ${op.control!.by}: ${op.control!.reason}`);
    this.lastControl = control;
  }
}
