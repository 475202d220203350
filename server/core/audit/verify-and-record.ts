import type { KeyObject } from "node:crypto";
import type { AuditLog } from "./audit-log";
import type { AuditStore, CheckpointSink } from "./ports";
import type { JsonValue, VerificationResult } from "./types";
import { verifyAuditLog } from "./verify-audit-log";

export const VERIFICATION_ACTION = "audit.verified";

/**
 * Verifies the chain and records the verdict in the chain itself, so every
 * replica (and the hash_chain_valid statistic) sees the latest result, and a
 * broken chain is itself a CRITICAL event. The event is appended after the
 * check, so it is never part of what it vouches for.
 */
export async function verifyAndRecord(deps: { store: AuditStore; sink: CheckpointSink; publicKey: KeyObject; log: AuditLog; actor: string }): Promise<VerificationResult> {
  const result = await verifyAuditLog(deps);
  await deps.log.append({
    category: "SYSTEM_HEALTH",
    severity: result.valid ? "INFO" : "CRITICAL",
    actor: deps.actor,
    action: VERIFICATION_ACTION,
    payload: result as unknown as { [key: string]: JsonValue },
  });
  return result;
}
