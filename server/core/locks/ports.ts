import type { LockKey, LockMode } from "./types";

// The LockStore port: what the lock manager needs from a backend (Redis, Postgres,
// PGlite). Every method is one atomic step on the store (a Lua script, a SQL
// function), and every backend implements exactly the same rules, which
// server/testing/lock-store-contract.ts checks against each of them:
//
// - Time is the store's own clock (Redis TIME, Postgres clock_timestamp()), so
//   processes with skewed clocks still agree on who holds what. etcd has no
//   clock a client can read: there each process's own clock judges expiries,
//   and fencing (etcd revisions) is what does not depend on clocks
//   (docs/lock-backends.md).
// - A lease whose expiry has passed does not exist: it is never reported,
//   extended, released or counted as a blocker, whether or not it was cleaned up.
// - Waiters queue per lock in (priority, arrival) order: a lower priority
//   number is more urgent and goes ahead of every less urgent waiter, FIFO
//   within a class. A request is granted only when it is compatible with every
//   live holder AND with every live waiter ahead of it (SHARED is compatible
//   only with SHARED). So a SHARED request behind a waiting EXCLUSIVE one waits
//   too (the exclusive waiter is not starved), while SHARED waiters behind
//   SHARED ones may proceed together.
// - Whatever removes a holder or a waiter (release, force release, leaving the
//   queue, pruning an expired entry) wakes, through `subscribe`, the waiters
//   that the rule above would now grant. A lease that merely runs out wakes no
//   one: waiters learn from `nextExpiryInMs` when to ask again.
// - A waiter keeps its place by asking again before `queueTtlMs` runs out; a
//   waiter that stops asking (its process died) drops out of the queue.
// - Fencing tokens strictly increase per lock across every grant, including
//   across a store that lost its data (Redis restarted without persistence).
// - A lease taken away from its holder (`forceRelease`) is announced, one
//   LockRevocation per removed lease, to every process listening through
//   `onRevoked`, sent with the removal itself (in its Lua script; by
//   pg_notify in its SQL function, so only once it has committed). Delivery is
//   best effort: a listener whose connection is down at that moment misses it,
//   and the holder's next renewal is then what finds the lease gone
//   (docs/locks.md).

export interface LockHolderInfo {
  holderId: string;
  mode: LockMode;
  fencingToken: bigint;
  acquiredAt: Date;
  expiresAt: Date;
}

export interface LockWaiterInfo {
  holderId: string;
  mode: LockMode;
  /** 0 is the most urgent class. */
  priority: number;
  /** When it joined the queue (store time). */
  enqueuedAt: Date;
  /** The lock manager instance to wake when it may proceed. */
  instanceId: string;
}

/** One lock as the store sees it now: live holders, and live waiters in queue order. */
export interface LockSnapshot {
  key: LockKey;
  holders: LockHolderInfo[];
  waiters: LockWaiterInfo[];
}

export interface LockAcquireRequest {
  key: LockKey;
  holderId: string;
  mode: LockMode;
  ttlMs: number;
  priority: number;
  instanceId: string;
  /** Queue the request when it cannot be granted now (false: try once and leave no trace). */
  wait: boolean;
  /** How long the queue place lasts without another request from this holder. */
  queueTtlMs: number;
  /** Whether this holder had to wait for this grant (for the contention statistics). */
  contended: boolean;
  /** How long it waited before this attempt, recorded in the statistics on grant. */
  waitedMs: number;
}

export type LockAcquireResult =
  | {
      granted: true;
      fencingToken: bigint;
      /** The mode held: a re-acquisition returns the lease already held, whatever was asked. */
      mode: LockMode;
      acquiredAt: Date;
      expiresAt: Date;
      /** True when the holder already held the lock (its expiry was extended, its token kept). */
      reentrant: boolean;
    }
  | {
      granted: false;
      /** Live holders the request cannot share the lock with. */
      blockers: LockHolderInfo[];
      /** Live waiters ahead of this request in the queue. */
      ahead: LockWaiterInfo[];
      /** When the earliest blocking lease expires, in ms from now (null when only waiters block). */
      nextExpiryInMs: number | null;
    };

export interface LockStatistics {
  key: LockKey;
  acquisitions: number;
  /** Grants that had to wait. */
  contentions: number;
  totalWaitMs: number;
  maxWaitMs: number;
  releases: number;
  totalHoldMs: number;
  maxHoldMs: number;
}

/** Wake-up delivered to a lock manager instance: these holders may now be granted `key`. */
export interface LockWake {
  key: LockKey;
  holderIds: string[];
}

/** A lease removed from its holder by someone else (force release): the holder must stop at once. */
export interface LockRevocation {
  key: LockKey;
  holderId: string;
  /** The removed lease's token: an older lease of the same holder is not the one revoked. */
  fencingToken: bigint;
  /** Why, as whoever removed it said (e.g. "force-released by alice: holder hung"); null when not given. */
  reason: string | null;
}

/** Longest revocation reason a store sends (longer ones are cut), so a notice always fits a NOTIFY payload. */
export const MAX_REVOCATION_REASON_LENGTH = 1_000;

export interface LockStore {
  readonly backend: "redis" | "postgres" | "pglite" | "etcd";

  /** Grants, re-grants (reentrant) or refuses-and-queues, atomically. */
  acquire(request: LockAcquireRequest): Promise<LockAcquireResult>;

  /** Leaves the queue (timeout, cancellation, deadlock victim); wakes whoever may now proceed. */
  cancelWait(key: LockKey, holderId: string): Promise<void>;

  /** Pushes the expiry to now + ttlMs; null when the lease (this holder, this token) is no longer live. */
  extend(key: LockKey, holderId: string, fencingToken: bigint, ttlMs: number): Promise<{ expiresAt: Date } | null>;

  /** Releases the lease if this holder still holds it with this token; wakes the next waiters. */
  release(key: LockKey, holderId: string, fencingToken: bigint): Promise<boolean>;

  /**
   * Removes live leases on `key` (one holder's, or all of them), wakes waiters,
   * announces each removed lease through `onRevoked` (with `reason`, when
   * given), and returns what it removed.
   */
  forceRelease(key: LockKey, holderId: string | null, reason?: string): Promise<LockHolderInfo[]>;

  /** Every lock with a live holder or waiter, and the store's time at which it was read. */
  snapshot(): Promise<{ at: Date; locks: LockSnapshot[] }>;

  /** Counters per lock since the store started keeping them. */
  statistics(): Promise<LockStatistics[]>;

  /** Delivers wake-ups addressed to `instanceId` until the returned function is called. */
  subscribe(instanceId: string, onWake: (wake: LockWake) => void): Promise<() => Promise<void>>;

  /**
   * Delivers every revocation announced by any process's `forceRelease` (on
   * this store) to `listener` until the returned function is called. Best
   * effort: see the rule in the header.
   */
  onRevoked(listener: (revocation: LockRevocation) => void): Promise<() => Promise<void>>;

  /** Sends a wake-up to one instance (used to tell a deadlock victim in another process to look). */
  wake(instanceId: string, wake: LockWake): Promise<void>;

  close(): Promise<void>;
}
