import type { StoreTransaction } from "../audit/ports";

/**
 * Where the run-time conflict policy is kept (the settings table by default).
 * Stores hold raw JSON; parsing and defaults are the core's (./policy.ts), so
 * a hand-edited row is validated the same way as an API call.
 */
export interface ConflictPolicyStore {
  /** The stored policy as JSON, or null when none was ever saved. */
  read(): Promise<unknown | null>;
  /** Stores the value; `inSameTransaction` (the change's audit event) commits or rolls back with it. */
  write(policy: unknown, updatedBy: string, inSameTransaction?: (tx: StoreTransaction) => Promise<void>): Promise<void>;
}
