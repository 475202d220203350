import { AppError } from "../errors";
import { scopeRank, type LockKey } from "./types";

/** Canonical order: by scope (SYSTEM first), then by resource name (code-point order, the same on every machine). */
export function compareLockKeys(a: LockKey, b: LockKey): number {
  return scopeRank(a.scope) - scopeRank(b.scope) || (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0);
}

/** The keys in the order `acquireAll` takes them, duplicates removed. */
export function canonicalOrder(keys: readonly LockKey[]): LockKey[] {
  const unique = new Map(keys.map((k) => [`${k.scope}\u0000${k.resource}`, k]));
  return [...unique.values()].sort(compareLockKeys);
}

export interface LockOrderViolation {
  held: LockKey;
  requested: LockKey;
  message: string;
}

const describe = (k: LockKey) => `${k.scope} lock on ${k.resource}`;

/**
 * Whether `requested` may be taken by a holder that already has `held`. A key
 * the holder already has is always allowed (re-acquiring must not deadlock on
 * itself); anything else must come after every held key in canonical order.
 * Returns the violation naming the held lock that forbids it, or null.
 */
export function checkLockOrder(held: readonly LockKey[], requested: LockKey): LockOrderViolation | null {
  if (held.some((k) => compareLockKeys(k, requested) === 0)) return null;
  const blocking = held.filter((k) => compareLockKeys(k, requested) > 0).sort(compareLockKeys).at(-1);
  if (!blocking) return null;
  const rule =
    blocking.scope === requested.scope
      ? `within ${requested.scope} scope, locks are taken in alphabetical order`
      : "locks are taken in the order SYSTEM → SERVICE → INCIDENT → DEPLOYMENT";
  return {
    held: blocking,
    requested,
    message: `Cannot acquire the ${describe(requested)} while holding the ${describe(blocking)}: ${rule}. Acquire the ${describe(requested)} first, or use acquireAll.`,
  };
}

/** The LOCK_ORDER_VIOLATION error for a violation, naming the lock held and the lock asked for. */
export function lockOrderError(violation: LockOrderViolation): AppError {
  return new AppError("LOCK_ORDER_VIOLATION", violation.message, { held: violation.held, requested: violation.requested });
}

/** Throws LOCK_ORDER_VIOLATION naming the lock held and the lock asked for. */
export function assertLockOrder(held: readonly LockKey[], requested: LockKey): void {
  const violation = checkLockOrder(held, requested);
  if (violation) throw lockOrderError(violation);
}
