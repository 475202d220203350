// Where execution leases are kept (docs/execution.md#the-lease). Every write
// takes the caller's transaction, so a lease's change and its audit event
// commit together; `getForUpdate` serializes reports on one lease.
import type { StoreTransaction } from "../audit/ports";
import type { ExecutionStep } from "../executors/ports";
import type { ExecutionLease } from "./lease";

export type LeaseChanges = Partial<Pick<ExecutionLease, "state" | "deadline" | "lastHeartbeatAt" | "holdReason" | "endedAt" | "endReason" | "outcome">> & {
  /** Adds one to the heartbeat count. */
  heartbeat?: boolean;
};

export interface ExecutionLeaseStore {
  get(operationId: string): Promise<ExecutionLease | null>;
  /** Reads the lease and locks its row until the transaction ends. */
  getForUpdate(tx: StoreTransaction, operationId: string): Promise<ExecutionLease | null>;
  insert(tx: StoreTransaction, lease: ExecutionLease): Promise<void>;
  update(tx: StoreTransaction, operationId: string, changes: LeaseChanges): Promise<void>;
  /** A step the submitter reported, stored with the executor's steps of the same attempt. */
  insertStep(tx: StoreTransaction, operationId: string, attempt: number, step: ExecutionStep): Promise<void>;
}
