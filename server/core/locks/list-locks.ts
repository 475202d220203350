import type { LockSnapshot, LockStore } from "./ports";
import type { LockKey, LockMode } from "./types";

export interface LockHolderView {
  holderId: string;
  mode: LockMode;
  fencingToken: string;
  acquiredAt: string;
  expiresAt: string;
  /** How long it has been held, by the store's clock. */
  ageMs: number;
  ttlLeftMs: number;
}

export interface LockView {
  key: LockKey;
  holders: LockHolderView[];
  waiters: { holderId: string; mode: LockMode; priority: number; enqueuedAt: string; waitingMs: number }[];
}

/** Every lock held or waited for, as the console and the API show it, measured against the store's clock. */
export async function listLocks(store: LockStore): Promise<{ at: string; locks: LockView[] }> {
  const { at, locks } = await store.snapshot();
  return { at: at.toISOString(), locks: locks.map((lock) => viewOf(lock, at)).sort(byKey) };
}

/**
 * Locks held longer than `olderThanMs` (stale after 600 s by default, docs/specification.md#locks;
 * the StuckLock alert fires at 900 s, docs/operations.md#alerts): the sign of a holder that died, hung, or forgot to release.
 */
export async function listStaleLocks(store: LockStore, olderThanMs: number): Promise<{ at: string; locks: LockView[] }> {
  const { at, locks } = await listLocks(store);
  return {
    at,
    locks: locks.map((lock) => ({ ...lock, holders: lock.holders.filter((h) => h.ageMs > olderThanMs) })).filter((lock) => lock.holders.length > 0),
  };
}

function viewOf(lock: LockSnapshot, at: Date): LockView {
  return {
    key: lock.key,
    holders: lock.holders.map((h) => ({
      holderId: h.holderId,
      mode: h.mode,
      fencingToken: h.fencingToken.toString(),
      acquiredAt: h.acquiredAt.toISOString(),
      expiresAt: h.expiresAt.toISOString(),
      ageMs: Math.max(0, at.getTime() - h.acquiredAt.getTime()),
      ttlLeftMs: Math.max(0, h.expiresAt.getTime() - at.getTime()),
    })),
    waiters: lock.waiters.map((w) => ({ holderId: w.holderId, mode: w.mode, priority: w.priority, enqueuedAt: w.enqueuedAt.toISOString(), waitingMs: Math.max(0, at.getTime() - w.enqueuedAt.getTime()) })),
  };
}

function byKey(a: LockView, b: LockView): number {
  return a.key.scope.localeCompare(b.key.scope) || a.key.resource.localeCompare(b.key.resource);
}
