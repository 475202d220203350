import { AppError } from "../errors";
import { Lease, type LeaseHost } from "./lease";
import { canonicalOrder, checkLockOrder, lockOrderError } from "./lock-order";
import { noLockMetrics, type LockMetrics } from "./metrics";
import type { LockAcquireResult, LockHolderInfo, LockRevocation, LockStore, LockWaiterInfo, LockWake } from "./ports";
import { LOCK_PRIORITIES, type LockPriority } from "./priority";
import { LOCK_MODES, LOCK_SCOPES, type LockKey, type LockMode } from "./types";
import { findDeadlocksInSnapshot } from "./wait-for-graph";

export interface LockManagerConfig {
  /** Lease TTL when the caller gives none (default 300 s, docs/specification.md#locks). */
  defaultTtlMs: number;
  /** How long to wait for a lock when the caller gives no timeout (default 30 s, docs/specification.md#locks). */
  defaultWaitTimeoutMs: number;
  /**
   * A waiter is woken when a release lets it proceed; it also asks again at
   * this interval, as insurance against a lost wake-up message and to keep its
   * place in the queue alive (a waiter that stops asking drops out after
   * `queueTtlFactor` × this).
   */
  recheckMs: number;
  queueTtlFactor: number;
  /** Refuse out-of-order acquisition (LOCK_ORDER_VIOLATION). Off only for clients that cannot be ordered; the deadlock detector still protects them. */
  enforceOrder: boolean;
  /** Fraction of the TTL and fixed milliseconds assumed lost to clock drift and scheduling. */
  driftFactor: number;
  driftFixedMs: number;
}

export const DEFAULT_LOCK_CONFIG: LockManagerConfig = {
  defaultTtlMs: 300_000,
  defaultWaitTimeoutMs: 30_000,
  recheckMs: 1_000,
  queueTtlFactor: 4,
  enforceOrder: true,
  driftFactor: 0.01,
  driftFixedMs: 2,
};

export interface AcquireOptions {
  mode?: LockMode;
  ttlMs?: number;
  /** 0: try once and do not wait. */
  waitTimeoutMs?: number;
  priority?: LockPriority;
  /** Renew the lease while it is held (default true). */
  autoExtend?: boolean;
  /** Aborting it stops the wait (the caller leaves the queue). */
  signal?: AbortSignal;
}

export interface LockManagerDeps {
  store: LockStore;
  config?: Partial<LockManagerConfig>;
  metrics?: LockMetrics;
  /** Identifies this manager to the store's wake-ups; unique per process. */
  instanceId?: string;
  monotonicNow?: () => number;
  /** Where failures in background work (renewals, wake handling) are reported. */
  onBackgroundError?: (error: unknown, context: string) => void;
  /**
   * Told of every acquisition refused with LOCK_ORDER_VIOLATION (a caller's
   * bug worth an audit event, docs/locks.md). Its failure, thrown or
   * rejected, goes to onBackgroundError; the caller still gets the refusal.
   */
  onOrderViolation?: (violation: LockOrderViolationReport) => void | Promise<void>;
}

/** An acquisition refused for breaking the lock order: who asked, what it held, what it asked for. */
export interface LockOrderViolationReport {
  holderId: string;
  /** The locks the holder held in this process, in canonical order. */
  held: LockKey[];
  requested: LockKey;
}

const keyId = (k: LockKey) => `${k.scope}\u0000${k.resource}`;
const sameKey = (a: LockKey, b: LockKey) => a.scope === b.scope && a.resource === b.resource;
/** Names what a wake-up is for: one holder's wait for one lock. */
const waitId = (k: LockKey, holderId: string) => `${k.scope}\u0000${k.resource}\u0000${holderId}`;
const describeKey = (k: LockKey) => `${k.scope} lock on ${k.resource}`;
const MAX_RESOURCE_LENGTH = 256;
/** Wake-ups kept for a request still on its way (see onWake); past this many, the oldest are dropped. */
const MAX_RECENT_WAKES = 1_024;
/** Revocations of leases this process does not know (yet) kept for a grant still on its way (see onRevoked). */
const MAX_RECENT_REVOCATIONS = 256;
/** Names one lease: a holder's grant of a lock, by its token. */
const leaseId = (k: LockKey, holderId: string, token: bigint) => `${waitId(k, holderId)}\u0000${token}`;
const revokedReason = (r: LockRevocation) => `it was revoked (${r.reason ?? "force-released from the lock store"})`;

/**
 * The distributed lock manager (docs/specification.md#locks) over a LockStore. It keeps, per holder,
 * the leases it granted in this process, which is what the ordering rule is
 * checked against; the store is the authority on who holds what.
 */
export class LockManager {
  readonly instanceId: string;
  private readonly store: LockStore;
  private readonly config: LockManagerConfig;
  private readonly metrics: LockMetrics;
  private readonly now: () => number;
  private readonly onBackgroundError: (error: unknown, context: string) => void;
  /** Per holder, its one lease, or its leases by keyId once it holds several (most hold one at a time). */
  private readonly held = new Map<string, Lease | Map<string, Lease>>();
  private readonly wakeWaiters = new Map<string, Set<() => void>>();
  /** Wake-ups received, counted; and, per waitId, the number of the latest one (see onWake). */
  private wakeCount = 0;
  private readonly recentWakes = new Map<string, number>();
  /** Revocations that matched no lease held here, by leaseId (see onRevoked), oldest first. */
  private readonly recentRevocations = new Map<string, LockRevocation>();
  private readonly onOrderViolation: LockManagerDeps["onOrderViolation"];
  private readonly leaseHost: LeaseHost;
  private unsubscribe: (() => Promise<void>) | null = null;
  private stopRevocations: (() => Promise<void>) | null = null;

  private constructor(deps: LockManagerDeps) {
    this.store = deps.store;
    this.config = { ...DEFAULT_LOCK_CONFIG, ...deps.config };
    this.metrics = deps.metrics ?? noLockMetrics;
    this.instanceId = deps.instanceId ?? crypto.randomUUID();
    this.now = deps.monotonicNow ?? (() => performance.now());
    this.onBackgroundError = deps.onBackgroundError ?? (() => {});
    this.onOrderViolation = deps.onOrderViolation;
    this.leaseHost = {
      monotonicNow: this.now,
      driftFactor: this.config.driftFactor,
      driftFixedMs: this.config.driftFixedMs,
      extend: (lease, ttlMs) => this.store.extend(lease.key, lease.holderId, lease.fencingToken, ttlMs),
      release: (lease) => this.releaseLease(lease),
      lost: (lease) => {
        this.forget(lease);
        this.metrics.leaseLost(lease.key);
      },
    };
  }

  /**
   * Builds a manager and subscribes it to its wake-ups and to the store's
   * revocations, so a lease force-released anywhere is lost here at once
   * (its signal aborts), not at its next renewal (docs/locks.md).
   */
  static async start(deps: LockManagerDeps): Promise<LockManager> {
    const manager = new LockManager(deps);
    manager.unsubscribe = await deps.store.subscribe(manager.instanceId, (wake) => manager.onWake(wake));
    try {
      manager.stopRevocations = await deps.store.onRevoked((revocation) => manager.onRevoked(revocation));
    } catch (error) {
      await manager.unsubscribe().catch(() => {});
      throw error;
    }
    return manager;
  }

  get backend(): LockStore["backend"] {
    return this.store.backend;
  }

  /** Takes one lock, waiting up to the timeout. Throws LOCK_TIMEOUT, DEADLOCK_DETECTED or LOCK_ORDER_VIOLATION. */
  acquire(holderId: string, key: LockKey, options: AcquireOptions = {}): Promise<Lease> {
    // Not async itself (one promise less per call), so it must not throw either.
    let deadline: number;
    try {
      deadline = this.now() + (options.waitTimeoutMs ?? this.config.defaultWaitTimeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    // Asked not to wait (waitTimeoutMs 0) and the lock is busy: acquireUntil throws LOCK_TIMEOUT instead of returning null.
    return this.acquireUntil(holderId, key, options, deadline, true) as Promise<Lease>;
  }

  /** Takes the lock only if it is free now; null otherwise (nothing is queued). */
  async tryAcquire(holderId: string, key: LockKey, options: Omit<AcquireOptions, "waitTimeoutMs"> = {}): Promise<Lease | null> {
    return this.acquireUntil(holderId, key, { ...options, waitTimeoutMs: 0 }, this.now());
  }

  /**
   * Takes every lock in canonical order (scope, then name), within one overall
   * timeout. If any cannot be had, the ones this call took are released again.
   */
  async acquireAll(holderId: string, keys: readonly LockKey[], options: AcquireOptions = {}): Promise<Lease[]> {
    const deadline = this.now() + (options.waitTimeoutMs ?? this.config.defaultWaitTimeoutMs);
    const taken: Lease[] = [];
    try {
      for (const key of canonicalOrder(keys)) {
        taken.push((await this.acquireUntil(holderId, key, options, deadline, true))!);
      }
      return taken;
    } catch (error) {
      await Promise.allSettled(taken.reverse().map((lease) => lease.release()));
      throw error;
    }
  }

  /**
   * Runs `work` holding every lock, then releases them. `work` receives a
   * signal that aborts if any lease is lost, so it can stop before acting
   * without the lock.
   */
  async withLocks<T>(holderId: string, keys: readonly LockKey[], work: (leases: Lease[], signal: AbortSignal) => Promise<T>, options: AcquireOptions = {}): Promise<T> {
    const leases = await this.acquireAll(holderId, keys, options);
    try {
      return await work(leases, AbortSignal.any(leases.map((lease) => lease.signal)));
    } finally {
      await Promise.allSettled([...leases].reverse().map((lease) => lease.release()));
    }
  }

  /** The leases this process holds for `holderId`, in canonical order. */
  heldBy(holderId: string): Lease[] {
    const leases = this.leasesOf(holderId).filter((lease) => lease.isValid());
    const order = canonicalOrder(leases.map((lease) => lease.key)).map(keyId);
    return leases.sort((a, b) => order.indexOf(keyId(a.key)) - order.indexOf(keyId(b.key)));
  }

  /** Releases every lease this process holds for `holderId`. */
  async releaseAll(holderId: string): Promise<void> {
    const leases = this.leasesOf(holderId).reverse();
    await Promise.allSettled(leases.map(async (lease) => {
      while (!lease.released && (await lease.release())) {
        // drop every hold
      }
    }));
  }

  /** Stops listening for wake-ups. Held leases stop renewing and run out at their TTL. */
  async close(): Promise<void> {
    for (const holderId of [...this.held.keys()]) for (const lease of this.leasesOf(holderId)) lease.markLost("the lock manager was closed");
    this.held.clear();
    const stops = [this.unsubscribe, this.stopRevocations];
    this.unsubscribe = null;
    this.stopRevocations = null;
    await Promise.all(stops.map((stop) => stop?.()));
  }

  /** The lease, or null when the lock is busy and `deadline` has passed already (LOCK_TIMEOUT instead when `throwIfBusy`). */
  private async acquireUntil(holderId: string, key: LockKey, options: AcquireOptions, deadline: number, throwIfBusy = false): Promise<Lease | null> {
    const mode = options.mode ?? "EXCLUSIVE";
    const ttlMs = options.ttlMs ?? this.config.defaultTtlMs;
    validateRequest(holderId, key, mode, ttlMs, options);
    // A holder with no lease in this process (the usual case) has nothing to re-acquire or to order against.
    const mine = this.held.get(holderId);
    if (mine !== undefined) {
      const existing = mine instanceof Lease ? (sameKey(mine.key, key) ? mine : undefined) : mine.get(keyId(key));
      if (existing?.isValid()) {
        refuseUpgrade(holderId, key, existing.mode, mode);
        await existing.extend(Math.max(ttlMs, existing.ttlMs));
        existing.addHold();
        return existing;
      }
      if (this.config.enforceOrder) this.refuseOutOfOrder(holderId, key);
    }

    const waitStartedAt = this.now();
    const wait = deadline > waitStartedAt;
    const priority = LOCK_PRIORITIES[options.priority ?? "NORMAL"];
    let contended = false;
    let wokenSinceLastAttempt = false;
    for (;;) {
      options.signal?.throwIfAborted();
      // A wake-up that arrives while this request is on its way is kept by onWake
      // and found after a refusal, so a release between the two is not missed.
      const wakesBefore = this.wakeCount;
      const requestedAtMs = this.now();
      let result: LockAcquireResult;
      try {
        result = await this.store.acquire({
          key,
          holderId,
          mode,
          ttlMs,
          priority,
          instanceId: this.instanceId,
          wait,
          queueTtlMs: this.config.recheckMs * this.config.queueTtlFactor,
          contended,
          waitedMs: contended ? Math.round(this.now() - waitStartedAt) : 0,
        });
      } catch (error) {
        if (contended) await this.leaveQueue(key, holderId);
        throw error;
      }

      if (result.granted) {
        if (this.recentWakes.size > 0) this.recentWakes.delete(waitId(key, holderId));
        if (result.mode !== mode) {
          // Held from before this process knew (a resumed holder): same rule as a local upgrade.
          refuseUpgrade(holderId, key, result.mode, mode);
        }
        const lease = new Lease(
          { key, holderId, mode: result.mode, fencingToken: result.fencingToken, acquiredAt: result.acquiredAt, expiresAt: result.expiresAt, ttlMs, requestedAtMs, autoExtend: options.autoExtend ?? true },
          this.leaseHost,
        );
        if (!lease.isValid()) {
          // The answer took longer than the lease lasts: never hand out a lease that may already belong to someone else.
          await lease.release().catch(() => false);
          if (this.now() < deadline) continue;
          throw this.timeout(key, mode, options, [], []);
        }
        this.remember(lease);
        if (!result.reentrant) this.metrics.acquired(key, result.mode, contended ? this.now() - waitStartedAt : 0, contended);
        // Revoked before its grant arrived here: never handed out (LOCK_LOST, saying why).
        if (this.recentRevocations.size > 0 && this.loseIfRevokedEarly(lease)) throw lease.signal.reason;
        return lease;
      }

      if (!wait) {
        if (throwIfBusy) throw this.timeout(key, mode, options, [], []);
        return null;
      }
      contended = true;
      // Listen from now on; a wake-up since the request was sent counts as one received while listening.
      const wake = this.armWake(key, holderId, wakesBefore);
      // Only a holder that holds something can close a cycle; a refusal right after
      // a wake-up may mean another process named this holder a deadlock victim.
      if (this.heldBy(holderId).length > 0 || wokenSinceLastAttempt) {
        try {
          await this.refuseIfDeadlockVictim(holderId, key);
        } catch (error) {
          wake.dispose();
          throw error;
        }
      }
      const remaining = deadline - this.now();
      if (remaining <= 0) {
        wake.dispose();
        await this.leaveQueue(key, holderId);
        this.metrics.timedOut(key);
        throw this.timeout(key, mode, options, result.blockers, result.ahead);
      }
      const sleepMs = Math.min(remaining, this.config.recheckMs, result.nextExpiryInMs === null ? Infinity : result.nextExpiryInMs + 1);
      const outcome = await wake.wait(sleepMs, options.signal);
      wokenSinceLastAttempt = outcome === "woken";
      if (outcome === "aborted") {
        await this.leaveQueue(key, holderId);
        options.signal?.throwIfAborted();
      }
    }
  }

  /** Throws LOCK_ORDER_VIOLATION if `holderId` holds, here, a lock that comes after `key`; reports it first. */
  private refuseOutOfOrder(holderId: string, key: LockKey): void {
    const held = this.heldBy(holderId).map((lease) => lease.key);
    const violation = checkLockOrder(held, key);
    if (!violation) return;
    if (this.onOrderViolation) {
      try {
        const reported = this.onOrderViolation({ holderId, held, requested: key });
        if (reported instanceof Promise) reported.catch((error: unknown) => this.onBackgroundError(error, "reporting a lock order violation"));
      } catch (error) {
        this.onBackgroundError(error, "reporting a lock order violation");
      }
    }
    throw lockOrderError(violation);
  }

  /**
   * A lease taken away by another process (force release): lost here now, so
   * its signal stops the work holding it. A revocation for a lease this
   * process does not hold may be for a grant whose answer is still on its way
   * (the notice travels on another connection): it is kept a while, and the
   * grant, when it arrives, is lost at once (loseIfRevokedEarly).
   */
  private onRevoked(revocation: LockRevocation): void {
    const { key, holderId, fencingToken } = revocation;
    const mine = this.held.get(holderId);
    const lease = mine === undefined ? undefined : mine instanceof Lease ? (sameKey(mine.key, key) ? mine : undefined) : mine.get(keyId(key));
    if (lease !== undefined && lease.fencingToken === fencingToken) {
      lease.markLost(revokedReason(revocation));
      return;
    }
    const id = leaseId(key, holderId, fencingToken);
    this.recentRevocations.delete(id);
    this.recentRevocations.set(id, revocation);
    if (this.recentRevocations.size > MAX_RECENT_REVOCATIONS) this.recentRevocations.delete(this.recentRevocations.keys().next().value!);
  }

  private loseIfRevokedEarly(lease: Lease): boolean {
    const id = leaseId(lease.key, lease.holderId, lease.fencingToken);
    const revocation = this.recentRevocations.get(id);
    if (revocation === undefined) return false;
    this.recentRevocations.delete(id);
    lease.markLost(revokedReason(revocation));
    return true;
  }

  private async refuseIfDeadlockVictim(holderId: string, key: LockKey): Promise<void> {
    const { locks } = await this.store.snapshot();
    const { deadlocks, graph } = findDeadlocksInSnapshot(locks);
    for (const deadlock of deadlocks) {
      if (deadlock.victim === holderId) {
        await this.leaveQueue(key, holderId);
        this.metrics.deadlockVictim(key);
        const cycle = deadlock.holders.map((h) => ({ holderId: h, waitingFor: graph.waitingOn.get(h)?.key ?? null, blockedBy: graph.edges.get(h) ?? [] }));
        const story = cycle.map((c) => `${c.holderId} waits for ${c.waitingFor ? describeKey(c.waitingFor) : "?"} (blocked by ${c.blockedBy.join(", ")})`).join("; ");
        throw new AppError(
          "DEADLOCK_DETECTED",
          `Deadlock: ${story}. ${holderId} is refused the ${describeKey(key)} to break the cycle (the least urgent waiter that waited least); release its locks and retry.`,
          { victim: holderId, requested: key, cycle },
        );
      }
      // Someone else is the victim: make sure it looks now rather than at its next re-check.
      const victim = graph.waitingOn.get(deadlock.victim);
      if (victim) await this.store.wake(victim.instanceId, { key: victim.key, holderIds: [deadlock.victim] }).catch((error) => this.onBackgroundError(error, "waking a deadlock victim"));
    }
  }

  private timeout(key: LockKey, mode: LockMode, options: AcquireOptions, blockers: LockHolderInfo[], ahead: LockWaiterInfo[]): AppError {
    const waited = options.waitTimeoutMs ?? this.config.defaultWaitTimeoutMs;
    const heldBy = blockers.length
      ? `held by ${blockers.map((b) => `${b.holderId} (${b.mode}, fencing token ${b.fencingToken}, expires ${b.expiresAt.toISOString()})`).join(", ")}`
      : "no holder left, but the queue ahead did not clear";
    return new AppError("LOCK_TIMEOUT", `Timed out after ${waited} ms waiting for the ${mode} ${describeKey(key)}: ${heldBy}; ${ahead.length} waiter(s) ahead.`, {
      key,
      mode,
      waitTimeoutMs: waited,
      holders: blockers.map((b) => ({ holderId: b.holderId, mode: b.mode, fencingToken: b.fencingToken.toString(), acquiredAt: b.acquiredAt.toISOString(), expiresAt: b.expiresAt.toISOString() })),
      waitersAhead: ahead.map((w) => ({ holderId: w.holderId, mode: w.mode, priority: w.priority })),
    });
  }

  /**
   * Leaves the queue without making the caller wait for it: when the store is
   * unreachable the call would hang as long as the outage, and the queue place
   * expires on its own after queueTtlMs anyway.
   */
  private leaveQueue(key: LockKey, holderId: string): Promise<void> {
    const leaving = this.store.cancelWait(key, holderId).catch((error) => this.onBackgroundError(error, "leaving a lock queue"));
    return Promise.race([leaving, new Promise<void>((resolve) => setTimeout(resolve, 250).unref?.())]);
  }

  private async releaseLease(lease: Lease): Promise<boolean> {
    this.forget(lease);
    const released = await this.store.release(lease.key, lease.holderId, lease.fencingToken);
    if (released) this.metrics.released(lease.key, this.now() - lease.grantedAtMs);
    return released;
  }

  /** The leases this process keeps for `holderId`, in the order it took them. */
  private leasesOf(holderId: string): Lease[] {
    const mine = this.held.get(holderId);
    return mine === undefined ? [] : mine instanceof Lease ? [mine] : [...mine.values()];
  }

  private remember(lease: Lease): void {
    const mine = this.held.get(lease.holderId);
    if (mine === undefined || (mine instanceof Lease && sameKey(mine.key, lease.key))) {
      this.held.set(lease.holderId, lease);
    } else if (mine instanceof Lease) {
      this.held.set(lease.holderId, new Map([[keyId(mine.key), mine], [keyId(lease.key), lease]]));
    } else {
      mine.set(keyId(lease.key), lease);
    }
  }

  private forget(lease: Lease): void {
    const mine = this.held.get(lease.holderId);
    if (mine === lease) {
      this.held.delete(lease.holderId);
    } else if (mine instanceof Map) {
      const id = keyId(lease.key);
      if (mine.get(id) !== lease) return;
      mine.delete(id);
      if (mine.size === 0) this.held.delete(lease.holderId);
    }
  }

  /**
   * Fires the waits armed for each woken holder, and notes the wake-up's number
   * under its waitId: a request sent before it and refused after it (the
   * release came in between) finds it there when it arms its wait. Only a
   * refusal arms one, so the grant of an uncontended lock costs no listener.
   */
  private onWake(wake: LockWake): void {
    for (const holderId of wake.holderIds) {
      const id = waitId(wake.key, holderId);
      this.wakeCount += 1;
      this.recentWakes.delete(id); // re-inserted last: the map stays oldest first
      this.recentWakes.set(id, this.wakeCount);
      if (this.recentWakes.size > MAX_RECENT_WAKES) this.recentWakes.delete(this.recentWakes.keys().next().value!);
      for (const fire of this.wakeWaiters.get(id) ?? []) fire();
    }
  }

  /**
   * A one-shot wake-up for `holderId` on `key`, armed right after a refusal,
   * already fired if a wake-up for it arrived after wake number `since` (while
   * the refused request was on its way).
   */
  private armWake(key: LockKey, holderId: string, since: number) {
    const id = waitId(key, holderId);
    const latest = this.recentWakes.get(id);
    if (latest !== undefined) this.recentWakes.delete(id);
    let woken = latest !== undefined && latest > since;
    let notify: (() => void) | null = null;
    const fire = () => {
      woken = true;
      notify?.();
    };
    let set = this.wakeWaiters.get(id);
    if (!set) this.wakeWaiters.set(id, (set = new Set()));
    set.add(fire);
    const dispose = () => {
      const current = this.wakeWaiters.get(id);
      current?.delete(fire);
      if (current?.size === 0) this.wakeWaiters.delete(id);
    };
    return {
      dispose,
      wait: (ms: number, signal: AbortSignal | undefined): Promise<"woken" | "timer" | "aborted"> =>
        new Promise((resolve) => {
          const finish = (outcome: "woken" | "timer" | "aborted") => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
            dispose();
            resolve(outcome);
          };
          const onAbort = () => finish("aborted");
          const timer = setTimeout(() => finish("timer"), Math.max(0, ms));
          if (woken) return finish("woken");
          if (signal?.aborted) return finish("aborted");
          notify = () => finish("woken");
          signal?.addEventListener("abort", onAbort, { once: true });
        }),
    };
  }
}

function validateRequest(holderId: string, key: LockKey, mode: LockMode, ttlMs: number, options: AcquireOptions): void {
  // The usual, valid request is checked without building anything.
  if (
    typeof holderId === "string" &&
    holderId.trim() !== "" &&
    LOCK_SCOPES.includes(key.scope) &&
    typeof key.resource === "string" &&
    key.resource.length <= MAX_RESOURCE_LENGTH &&
    key.resource.trim() !== "" &&
    LOCK_MODES.includes(mode) &&
    Number.isInteger(ttlMs) &&
    ttlMs >= 10 &&
    (options.waitTimeoutMs === undefined || (Number.isFinite(options.waitTimeoutMs) && options.waitTimeoutMs >= 0)) &&
    (options.priority === undefined || options.priority in LOCK_PRIORITIES)
  ) {
    return;
  }
  const problems: string[] = [];
  if (typeof holderId !== "string" || holderId.trim() === "") problems.push("holderId must be a non-empty string");
  if (!LOCK_SCOPES.includes(key.scope)) problems.push(`scope must be one of ${LOCK_SCOPES.join(", ")}`);
  if (typeof key.resource !== "string" || key.resource.trim() === "" || key.resource.length > MAX_RESOURCE_LENGTH) problems.push(`resource must be a non-empty name of at most ${MAX_RESOURCE_LENGTH} characters`);
  if (!LOCK_MODES.includes(mode)) problems.push(`mode must be one of ${LOCK_MODES.join(", ")}`);
  if (!Number.isInteger(ttlMs) || ttlMs < 10) problems.push("ttlMs must be an integer of at least 10");
  if (options.waitTimeoutMs !== undefined && (!Number.isFinite(options.waitTimeoutMs) || options.waitTimeoutMs < 0)) problems.push("waitTimeoutMs must be 0 or more");
  if (options.priority !== undefined && !(options.priority in LOCK_PRIORITIES)) problems.push(`priority must be one of ${Object.keys(LOCK_PRIORITIES).join(", ")}`);
  if (problems.length) throw new AppError("VALIDATION_FAILED", `Invalid lock request: ${problems.join("; ")}.`, { problems });
}

/**
 * Turning a SHARED hold into EXCLUSIVE in place would deadlock two shared
 * holders that both try it; the holder must release and queue for EXCLUSIVE.
 */
function refuseUpgrade(holderId: string, key: LockKey, held: LockMode, asked: LockMode): void {
  if (held === "SHARED" && asked === "EXCLUSIVE") {
    throw new AppError(
      "CONFLICT",
      `${holderId} holds the ${describeKey(key)} in SHARED mode and asked for EXCLUSIVE: a lock is not upgraded in place (two shared holders upgrading would deadlock). Release it, then acquire EXCLUSIVE.`,
      { key, holderId, held, asked },
    );
  }
}
