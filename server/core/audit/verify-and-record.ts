import type { KeyObject } from "node:crypto";
import { z } from "zod";
import type { AuditLog } from "./audit-log";
import type { AuditStore, CheckpointSink } from "./ports";
import { TAMPER_KINDS, type VerificationResult } from "./types";
import { verifyAuditLog } from "./verify-audit-log";

export const VERIFICATION_ACTION = "audit.verified";  // also audit-log.ts (a refused checkpoint's verdict)

/** The payload of a verification event, as `verifyAndRecord` writes it: the verdict itself. */
export const ZVerificationPayload = z.looseObject({
  valid: z.boolean(),
  checked: z.number(),
  firstBadSeq: z.number().nullable(),
  kind: z.enum(TAMPER_KINDS).nullable(),
  detail: z.string().nullable(),
  checkpoints: z.number(),
  lastSeq: z.number(),
}) satisfies z.ZodType<VerificationResult>;

/** The verdict a verification event records, or null when its payload does not read as one. */
export function verificationOf(payload: unknown): VerificationResult | null {
  const parsed = ZVerificationPayload.safeParse(payload);
  return parsed.success ? parsed.data : null;
}

/**
 * Verifies the chain and records the verdict in the chain itself, so every
 * replica (and the hash_chain_valid statistic) sees the latest result, and a
 * broken chain is itself a CRITICAL event. The event is appended after the
 * check, so it is never part of what it vouches for.
 */
export async function verifyAndRecord(deps: { store: AuditStore; sink: CheckpointSink; publicKey: KeyObject; log: AuditLog; actor: string }): Promise<VerificationResult> {
  // The log knows how soon its events are signed, so how old an unsigned tail may be.
  const result = await verifyAuditLog({ ...deps, unsigned: { now: deps.log.now(), graceMs: deps.log.unsignedGraceMs } });
  await deps.log.append({
    category: "SYSTEM_HEALTH",
    severity: result.valid ? "INFO" : "CRITICAL",
    actor: deps.actor,
    action: VERIFICATION_ACTION,
    payload: { ...result },
  });
  return result;
}
