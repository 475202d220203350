/**
 * Waiting classes: a lower number is served first, FIFO within a class. A
 * rollback restores a known-good state and must not queue behind the
 * deployments it is undoing; maintenance can wait for everyone.
 */
export const LOCK_PRIORITIES = { CRITICAL: 0, HIGH: 1, NORMAL: 2, LOW: 3 } as const;
export type LockPriority = keyof typeof LOCK_PRIORITIES;

/** The class an operation of this type waits in. */
export function lockPriorityFor(operationType: string): LockPriority {
  switch (operationType) {
    case "ROLLBACK":
      return "CRITICAL";
    case "REMEDIATION":
      return "HIGH";
    case "MAINTENANCE":
      return "LOW";
    default:
      return "NORMAL";
  }
}
