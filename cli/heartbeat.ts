// Keeping an external run's lease (docs/cli.md#heartbeats-and-the-lease):
// a heartbeat every leaseSeconds/3, at most 5 s apart (a person's pause
// reaches the command within that), each answered CONTINUE or HOLD. The
// state machine is here, apart from HTTP and child processes, so it can be
// tested with a fake clock and a fake server.
//
//   RUNNING ──HOLD──▶ HELD ──CONTINUE──▶ RUNNING
//      │               │
//      └──── lost ─────┴──▶ LOST      (stop(): STOPPED, from any state)
//
// Lost: the server said the lease is gone (409: LEASE_ENDED,
// STALE_FENCING_TOKEN, or any other conflict), refused the heartbeat for
// good (another 4xx), or could not be reached until the lease's deadline.
// Transient failures (network, 5xx, 408, 429) are retried with backoff, but
// never past the deadline: after it the server has given the lease up, and
// the command must not go on as if it still held it.
import { ApiError, isTransient, type HeartbeatReply } from "./api-client";

export type KeeperState = "RUNNING" | "HELD" | "LOST" | "STOPPED";

export type LeaseLoss =
  /** The server says the lease is over (409). */
  | { kind: "ended"; status: number; code: string; message: string; details: Record<string, unknown> }
  /** The server refused the heartbeat for another reason (401, 403, 404, 422…): asking again would not help. */
  | { kind: "refused"; status: number; code: string; message: string; details: Record<string, unknown> }
  /** No heartbeat got through before the lease's deadline. */
  | { kind: "unreachable"; message: string };

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface LeaseKeeperOptions {
  leaseSeconds: number;
  fencingToken: string;
  /** Sends one heartbeat; rejects with ApiError or NetworkError. */
  send(fencingToken: string, timeoutMs: number): Promise<HeartbeatReply>;
  timers?: Timers;
  /** The longest wait between heartbeats (default MAX_HEARTBEAT_INTERVAL_MS). */
  maxIntervalMs?: number;
  /** The first backoff after a transient failure; doubled each time, capped at maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  onHold?(reason: string | null, reply: HeartbeatReply): void;
  onContinue?(reason: string | null, reply: HeartbeatReply): void;
  onLost?(loss: LeaseLoss): void;
  onBeat?(reply: HeartbeatReply): void;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

export class LeaseKeeper {
  private current: KeeperState = "RUNNING";
  private timer: unknown = null;
  private inFlight = false;
  private failures = 0;
  private lastError: unknown = null;
  /** Until when the lease is surely held: when the last accepted heartbeat was sent, plus the lease. */
  private validUntil = 0;
  private readonly timers: Timers;
  readonly intervalMs: number;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: LeaseKeeperOptions) {
    this.timers = options.timers ?? realTimers;
    this.intervalMs = heartbeatIntervalMs(options.leaseSeconds, options.maxIntervalMs);
    // One heartbeat must not take the time of the next: a hung request counts as a failure and is retried.
    this.requestTimeoutMs = Math.min(10_000, this.intervalMs);
  }

  get state(): KeeperState {
    return this.current;
  }

  /** When the lease runs out unless a heartbeat gets through (ms since the epoch, the local clock). */
  get deadline(): number {
    return this.validUntil;
  }

  /**
   * Starts beating. `grantedAt` (the local clock) is no later than when the
   * server granted or last renewed the lease. With `beatNow` the first
   * heartbeat goes at once, so the deadline rests on a renewal this process
   * saw rather than on an estimate of the grant.
   */
  start(grantedAt: number = this.timers.now(), options: { beatNow?: boolean } = {}): void {
    this.validUntil = grantedAt + this.options.leaseSeconds * 1000;
    this.schedule(options.beatNow ? 0 : this.intervalMs);
  }

  /** Stops for good: no more heartbeats, no more callbacks. */
  stop(): void {
    if (this.current === "LOST") return;
    this.current = "STOPPED";
    this.clear();
  }

  private clear(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    this.clear();
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.beat();
    }, Math.max(0, ms));
  }

  private get active(): boolean {
    return this.current === "RUNNING" || this.current === "HELD";
  }

  /** Sends one heartbeat now (also called by the timer). */
  async beat(): Promise<void> {
    if (!this.active || this.inFlight) return;
    if (this.timers.now() >= this.validUntil) return this.lose({ kind: "unreachable", message: this.unreachableMessage() });
    this.inFlight = true;
    const sentAt = this.timers.now();
    let reply: HeartbeatReply;
    try {
      reply = await this.options.send(this.options.fencingToken, Math.min(this.requestTimeoutMs, Math.max(1, this.validUntil - sentAt)));
    } catch (error) {
      this.inFlight = false;
      if (!this.active) return; // stopped meanwhile: the answer no longer matters
      this.failed(error);
      return;
    } finally {
      this.inFlight = false;
    }
    if (!this.active) return;
    this.failures = 0;
    this.lastError = null;
    this.validUntil = sentAt + this.options.leaseSeconds * 1000;
    this.options.onBeat?.(reply);
    if (reply.instruction === "HOLD" && this.current === "RUNNING") {
      this.current = "HELD";
      this.options.onHold?.(reply.reason, reply);
    } else if (reply.instruction === "CONTINUE" && this.current === "HELD") {
      this.current = "RUNNING";
      this.options.onContinue?.(reply.reason, reply);
    }
    if (this.active) this.schedule(this.intervalMs);
  }

  private failed(error: unknown): void {
    if (error instanceof ApiError && !error.transient) {
      const kind = error.status === 409 ? "ended" : "refused";
      return this.lose({ kind, status: error.status, code: error.code, message: error.message, details: error.details });
    }
    if (!isTransient(error)) return this.lose({ kind: "refused", status: 0, code: "CLIENT_ERROR", message: error instanceof Error ? error.message : String(error), details: {} });
    this.failures++;
    this.lastError = error;
    const now = this.timers.now();
    if (now >= this.validUntil) return this.lose({ kind: "unreachable", message: this.unreachableMessage() });
    const backoff = Math.min((this.options.initialBackoffMs ?? 500) * 2 ** (this.failures - 1), this.options.maxBackoffMs ?? 5000);
    // Never wait past the deadline: the timer fires at it at the latest, and the lease is then lost.
    const delay = Math.min(backoff, this.validUntil - now);
    this.options.onRetry?.(error, this.failures, delay);
    this.schedule(delay);
  }

  private unreachableMessage(): string {
    const why = this.lastError instanceof Error ? `: ${this.lastError.message}` : "";
    return `no heartbeat reached the server before the lease's deadline (${this.failures} attempt${this.failures === 1 ? "" : "s"} failed${why})`;
  }

  private lose(loss: LeaseLoss): void {
    if (!this.active) return;
    this.current = "LOST";
    this.clear();
    this.options.onLost?.(loss);
  }
}

/** The longest wait between heartbeats: how long a person's pause or abort may take to reach the command. */
export const MAX_HEARTBEAT_INTERVAL_MS = 5_000;

/** A third of the lease (two heartbeats may be lost before it runs out), and never more than 5 s apart. */
export function heartbeatIntervalMs(leaseSeconds: number, maxIntervalMs = MAX_HEARTBEAT_INTERVAL_MS): number {
  return Math.max(1000, Math.min(maxIntervalMs, Math.round((leaseSeconds * 1000) / 3)));
}
