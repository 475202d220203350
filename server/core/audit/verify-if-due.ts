import type { KeyObject } from "node:crypto";
import { AppError } from "../errors";
import type { LockManager } from "../locks/lock-manager";
import type { AuditLog } from "./audit-log";
import type { AuditStore, CheckpointSink } from "./ports";
import type { VerificationResult } from "./types";
import { VERIFICATION_ACTION, verifyAndRecord } from "./verify-and-record";

export interface VerifyIfDueDeps {
  store: AuditStore;
  sink: CheckpointSink;
  publicKey: KeyObject;
  log: AuditLog;
  locks: LockManager;
  /** Who runs it (this process), for the lock. */
  holderId: string;
  now: Date;
  intervalMs: number;
}

/**
 * Verifies the chain when no verification has been recorded for `intervalMs`
 * (by any replica, or by a person pressing "verify"), so that the
 * hash_chain_valid metric and its alert always rest on a recent check. With
 * several replicas, a SYSTEM lock lets one verify at a time and the recorded
 * time stops the others from repeating it. Null when it was not due or
 * another replica is verifying.
 */
export async function verifyIfDue(deps: VerifyIfDueDeps): Promise<VerificationResult | null> {
  let lease;
  try {
    lease = await deps.locks.acquire(deps.holderId, { scope: "SYSTEM", resource: "audit-chain-verification" }, { waitTimeoutMs: 0, ttlMs: 15 * 60_000 });
  } catch (error) {
    if (error instanceof AppError && error.code === "LOCK_TIMEOUT") return null;
    throw error;
  }
  try {
    const last = await deps.store.query({ action: VERIFICATION_ACTION, limit: 1 });
    const lastAt = last.events[0] ? Date.parse(last.events[0].at) : null;
    if (lastAt !== null && deps.now.getTime() - lastAt < deps.intervalMs) return null;
    return await verifyAndRecord({ store: deps.store, sink: deps.sink, publicKey: deps.publicKey, log: deps.log, actor: "system" });
  } finally {
    await lease.release();
  }
}
