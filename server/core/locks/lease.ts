import { AppError } from "../errors";
import { leaseValidUntil } from "./lease-validity";
import type { LockKey, LockMode } from "./types";

/** What a lease needs from the manager that granted it. */
export interface LeaseHost {
  monotonicNow(): number;
  driftFactor: number;
  driftFixedMs: number;
  extend(lease: Lease, ttlMs: number): Promise<{ expiresAt: Date } | null>;
  release(lease: Lease): Promise<boolean>;
  lost(lease: Lease, reason: string): void;
}

export interface LeaseGrant {
  key: LockKey;
  holderId: string;
  mode: LockMode;
  fencingToken: bigint;
  acquiredAt: Date;
  expiresAt: Date;
  ttlMs: number;
  /** Monotonic time just before the request that produced this grant was sent. */
  requestedAtMs: number;
  autoExtend: boolean;
}

const describeKey = (k: LockKey) => `${k.scope} lock on ${k.resource}`;

/**
 * Lease timers that are due late are armed late. Most leases are released long
 * before their timer is due (renewal at a third of the TTL, 100 s by default;
 * without renewal, the end of validity), and creating and clearing a timer
 * for each cost a measurable share of an uncontended acquire and release
 * (bench/locks). A lease whose timer is due DEFER_MIN_MS or more from now waits
 * here instead; every SWEEP_MS the leases still held get their own timer, due
 * at the same instant it would have been (on the timers' own clock), so no
 * renewal or loss is ever noticed later than before.
 */
const SWEEP_MS = 250;
const DEFER_MIN_MS = 2_000;

class DeferredTimers {
  private readonly leases = new Set<Lease>();
  private sweep: ReturnType<typeof setTimeout> | null = null;

  add(lease: Lease): void {
    this.leases.add(lease);
    if (this.sweep === null) {
      this.sweep = setTimeout(this.run, SWEEP_MS);
      this.sweep.unref?.();
    }
  }

  delete(lease: Lease): void {
    this.leases.delete(lease);
  }

  private readonly run = (): void => {
    this.sweep = null;
    const due = [...this.leases];
    this.leases.clear();
    for (const lease of due) lease.armDeferredTimer();
  };
}

const deferredTimers = new DeferredTimers();

/**
 * A lock held. Its validity is measured on this process's monotonic clock from
 * the moment the request was sent, less a drift margin, so a lease is never
 * reported valid after the store may have given the lock to someone else.
 * While auto-extension runs, the lease renews itself at a third of its TTL; if
 * renewal fails (the store lost it, or it could not be reached before validity
 * ran out), or the store announces that it was revoked (force-released, see
 * LockManager.start), `signal` aborts with a LOCK_LOST error so the work can stop.
 * Acquiring a lock already held returns the same lease with one more hold;
 * the store lease is released when the last hold is.
 */
export class Lease {
  readonly key: LockKey;
  readonly holderId: string;
  readonly mode: LockMode;
  readonly fencingToken: bigint;
  readonly acquiredAt: Date;
  readonly ttlMs: number;
  /** Monotonic time the grant arrived, for hold-time statistics. */
  readonly grantedAtMs: number;
  private currentExpiresAt: Date;
  private validUntilMs: number;
  private holds = 1;
  private state: "held" | "released" | "lost" = "held";
  private lostReason = "";
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the timer is deferred (see DeferredTimers): the instant it is due, on performance.now(); else null. */
  private deferredDueAt: number | null = null;
  // Created on first use: most leases are released without anyone reading the signal.
  private controller: AbortController | null = null;
  private readonly autoExtend: boolean;

  constructor(
    grant: LeaseGrant,
    private readonly host: LeaseHost,
  ) {
    this.key = grant.key;
    this.holderId = grant.holderId;
    this.mode = grant.mode;
    this.fencingToken = grant.fencingToken;
    this.acquiredAt = grant.acquiredAt;
    this.ttlMs = grant.ttlMs;
    this.grantedAtMs = host.monotonicNow();
    this.currentExpiresAt = grant.expiresAt;
    this.validUntilMs = this.validityFrom(grant.requestedAtMs, grant.ttlMs);
    this.autoExtend = grant.autoExtend;
    this.schedule();
  }

  /** Aborted (with a LOCK_LOST AppError as its reason) when the lease is lost. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.state === "lost" && !this.controller.signal.aborted) this.controller.abort(this.lostError(this.lostReason));
    return this.controller.signal;
  }

  /** The store's expiry as of the last grant or extension. */
  get expiresAt(): Date {
    return this.currentExpiresAt;
  }

  get released(): boolean {
    return this.state === "released";
  }

  /** True while held and within its validity on the monotonic clock. */
  isValid(): boolean {
    return this.state === "held" && this.host.monotonicNow() < this.validUntilMs;
  }

  validityLeftMs(): number {
    return this.state === "held" ? Math.max(0, this.validUntilMs - this.host.monotonicNow()) : 0;
  }

  /** For work about to act under this lease: throws LOCK_LOST unless it is still valid. */
  assertValid(): void {
    if (!this.isValid()) throw this.lostError(this.state === "released" ? "it was released" : "its validity ran out or the store no longer has it");
  }

  /** Renews the lease for `ttlMs` (default: its TTL); throws LOCK_LOST when the store no longer has it. */
  async extend(ttlMs: number = this.ttlMs): Promise<void> {
    if (this.state !== "held") throw this.lostError(this.state === "released" ? "it was released" : "it was already lost");
    const requestedAtMs = this.host.monotonicNow();
    const result = await this.host.extend(this, ttlMs);
    if (!result) {
      this.markLost("the store no longer has it (it expired or was force-released)");
      throw this.lostError("the store no longer has it");
    }
    this.currentExpiresAt = result.expiresAt;
    this.validUntilMs = Math.max(this.validUntilMs, this.validityFrom(requestedAtMs, ttlMs));
    this.schedule();
  }

  /** Gives back one hold; the store lease goes with the last. Returns false if it had already been lost. */
  release(): Promise<boolean> {
    if (this.state !== "held") return Promise.resolve(false);
    this.holds -= 1;
    if (this.holds > 0) return Promise.resolve(true);
    this.state = "released";
    this.clearTimer();
    return this.host.release(this);
  }

  /** Called by the manager when the same holder acquires this lock again. */
  addHold(): void {
    this.holds += 1;
  }

  /** Called by the manager when the store says the lease is gone. */
  markLost(reason: string): void {
    if (this.state !== "held") return;
    this.state = "lost";
    this.clearTimer();
    this.lostReason = reason;
    this.host.lost(this, reason);
    this.controller?.abort(this.lostError(reason));
  }

  private validityFrom(requestedAtMs: number, ttlMs: number): number {
    return leaseValidUntil({ requestedAtMs, ttlMs, driftFactor: this.host.driftFactor, driftFixedMs: this.host.driftFixedMs });
  }

  private lostError(reason: string): AppError {
    return new AppError("LOCK_LOST", `${this.holderId} no longer holds the ${describeKey(this.key)} (fencing token ${this.fencingToken}): ${reason}.`, {
      key: this.key,
      holderId: this.holderId,
      fencingToken: this.fencingToken.toString(),
      reason,
    });
  }

  /**
   * One timer per lease: renew at a third of the TTL (leaving two thirds for
   * retries while the store is briefly unreachable), or, without renewal,
   * declare the lease lost the moment its validity runs out.
   */
  private schedule(): void {
    this.clearTimer();
    if (this.state !== "held") return;
    const now = this.host.monotonicNow();
    const untilInvalid = this.validUntilMs - now;
    const delay = this.autoExtend ? Math.min(untilInvalid, Math.max(1, this.ttlMs / 3)) : untilInvalid;
    // Whole milliseconds, rounded up: a fractional delay costs Node measurably more per timer (bench/locks).
    const ms = Math.max(0, Math.ceil(delay));
    if (ms >= DEFER_MIN_MS) {
      this.deferredDueAt = performance.now() + ms;
      deferredTimers.add(this);
      return;
    }
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  /** Called by DeferredTimers: arms the timer that schedule() deferred, due when it was due. */
  armDeferredTimer(): void {
    const dueAt = this.deferredDueAt;
    if (dueAt === null || this.state !== "held") return;
    this.deferredDueAt = null;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, Math.ceil(dueAt - performance.now())));
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.state !== "held") return;
    if (this.host.monotonicNow() >= this.validUntilMs) {
      this.markLost("its validity ran out before it could be renewed");
      return;
    }
    if (!this.autoExtend) {
      this.schedule();
      return;
    }
    try {
      await this.extend();
    } catch (error) {
      if (this.state !== "held") return; // lost: the signal has fired
      // The store did not answer: try again soon, while validity lasts.
      void error;
      this.clearTimer();
      const retryIn = Math.min(Math.max(1, this.validUntilMs - this.host.monotonicNow()), Math.max(50, this.ttlMs / 20));
      this.timer = setTimeout(() => void this.tick(), retryIn);
      this.timer.unref?.();
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.deferredDueAt !== null) {
      this.deferredDueAt = null;
      deferredTimers.delete(this);
    }
  }
}
