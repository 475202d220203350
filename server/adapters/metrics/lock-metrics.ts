import "server-only";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { LockMetrics } from "../../core/locks/metrics";
import type { LockStore } from "../../core/locks/ports";

// Lock metrics for Prometheus, named as docs/operations.md#alerts lists them
// (active_locks_total, lock_wait_seconds, lock_age_seconds, …). Counters and
// histograms count what this process did; the gauges read the lock store when
// scraped, so every replica reports the same cluster-wide truth about who holds
// what and for how long (the StuckLock alert fires on lock_age_seconds > 900).

const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60];
const HOLD_BUCKETS = [0.01, 0.1, 1, 10, 30, 60, 300, 600, 900, 1800];

export function registerLockMetrics(registry: Registry, store: LockStore): LockMetrics {
  const acquisitions = new Counter({ name: "lock_acquisitions_total", help: "Locks granted by this process", labelNames: ["scope", "mode"], registers: [registry] });
  const contentions = new Counter({ name: "lock_contentions_total", help: "Grants that had to wait for another holder", labelNames: ["scope"], registers: [registry] });
  const wait = new Histogram({ name: "lock_wait_seconds", help: "Time from asking for a lock to holding it", labelNames: ["scope"], buckets: WAIT_BUCKETS, registers: [registry] });
  const hold = new Histogram({ name: "lock_hold_seconds", help: "Time a lock was held until released", labelNames: ["scope"], buckets: HOLD_BUCKETS, registers: [registry] });
  const timeouts = new Counter({ name: "lock_timeouts_total", help: "Waits that ended in LOCK_TIMEOUT", labelNames: ["scope"], registers: [registry] });
  const deadlocks = new Counter({ name: "lock_deadlock_victims_total", help: "Waiters refused with DEADLOCK_DETECTED to break a cycle", labelNames: ["scope"], registers: [registry] });
  const lost = new Counter({ name: "lock_leases_lost_total", help: "Leases lost while held (expired or force-released)", labelNames: ["scope"], registers: [registry] });

  // The three gauges are collected together at each scrape: they share one read of the store.
  let pending: ReturnType<LockStore["snapshot"]> | null = null;
  const snapshot = () => (pending ??= store.snapshot().finally(() => (pending = null)));

  new Gauge({
    name: "active_locks_total",
    help: "Leases currently held, across every Interlock process",
    labelNames: ["scope", "mode"],
    registers: [registry],
    async collect() {
      this.reset();
      const { locks } = await snapshot();
      for (const lock of locks) for (const holder of lock.holders) this.inc({ scope: lock.key.scope, mode: holder.mode });
    },
  });
  new Gauge({
    name: "lock_age_seconds",
    help: "How long each held lease has been held, per lock (scope, resource_id) and holder (holder_id)",
    // resource_id and holder_id: the names the StuckLock alert prints ({{ $labels.resource_id }}).
    labelNames: ["scope", "resource_id", "holder_id"],
    registers: [registry],
    async collect() {
      this.reset();
      const { at, locks } = await snapshot();
      for (const lock of locks) {
        for (const holder of lock.holders) this.set({ scope: lock.key.scope, resource_id: lock.key.resource, holder_id: holder.holderId }, Math.max(0, (at.getTime() - holder.acquiredAt.getTime()) / 1000));
      }
    },
  });
  new Gauge({
    name: "lock_waiters_total",
    help: "Holders waiting in lock queues",
    labelNames: ["scope"],
    registers: [registry],
    async collect() {
      this.reset();
      const { locks } = await snapshot();
      for (const lock of locks) if (lock.waiters.length) this.inc({ scope: lock.key.scope }, lock.waiters.length);
    },
  });

  return {
    acquired(key, mode, waitedMs, contended) {
      acquisitions.inc({ scope: key.scope, mode });
      wait.observe({ scope: key.scope }, waitedMs / 1000);
      if (contended) contentions.inc({ scope: key.scope });
    },
    released(key, heldMs) {
      hold.observe({ scope: key.scope }, heldMs / 1000);
    },
    timedOut: (key) => timeouts.inc({ scope: key.scope }),
    deadlockVictim: (key) => deadlocks.inc({ scope: key.scope }),
    leaseLost: (key) => lost.inc({ scope: key.scope }),
  };
}
