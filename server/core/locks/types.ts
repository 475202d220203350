// Distributed locks (docs/specification.md#locks): the vocabulary shared by the lock manager and its stores.

/**
 * Scopes in acquisition order (docs/specification.md#locks): SYSTEM(1) > SERVICE(2) > INCIDENT(3)
 * > DEPLOYMENT(4). A holder acquires in that order, and alphabetically by
 * resource within a scope; everyone using the same order is what makes a
 * circular wait impossible.
 */
export const LOCK_SCOPES = ["SYSTEM", "SERVICE", "INCIDENT", "DEPLOYMENT"] as const;
export type LockScope = (typeof LOCK_SCOPES)[number];

/** 1 for SYSTEM … 4 for DEPLOYMENT, as docs/specification.md#locks numbers them. */
export function scopeRank(scope: LockScope): number {
  return LOCK_SCOPES.indexOf(scope) + 1;
}

export const LOCK_MODES = ["EXCLUSIVE", "SHARED"] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** What a lock is taken on: a resource name within a scope. */
export interface LockKey {
  scope: LockScope;
  resource: string;
}
