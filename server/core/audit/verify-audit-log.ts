import type { KeyObject } from "node:crypto";
import type { AuditStore, CheckpointSink } from "./ports";
import type { VerificationResult } from "./types";
import { verifyChain } from "./verify-chain";

/**
 * Verifies the stored chain end to end against the checkpoints in the table
 * and in the external sink. Two passes run side by side: the hash chain,
 * streamed in batches (constant memory), and the store's own check that every
 * queryable column still equals the hashed text. The earlier problem wins.
 */
export async function verifyAuditLog(deps: { store: AuditStore; sink: CheckpointSink; publicKey: KeyObject; batchSize?: number }): Promise<VerificationResult> {
  const [tableCheckpoints, sinkCheckpoints] = await Promise.all([deps.store.listCheckpoints(), deps.sink.readAll()]);
  const [chain, mismatch] = await Promise.all([
    verifyChain({ rows: deps.store.streamChain(1, deps.batchSize ?? 10_000), tableCheckpoints, sinkCheckpoints, publicKey: deps.publicKey }),
    deps.store.findColumnMismatch(),
  ]);
  if (mismatch !== null && (chain.firstBadSeq === null || mismatch < chain.firstBadSeq)) {
    return { ...chain, valid: false, firstBadSeq: mismatch, kind: "edited", detail: `seq ${mismatch}: a column no longer matches the hashed content` };
  }
  return chain;
}
