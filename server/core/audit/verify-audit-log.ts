import type { KeyObject } from "node:crypto";
import { chainRowFromRecord } from "./export-format";
import type { AuditStore, ChainScan, CheckpointSink } from "./ports";
import { GENESIS_HASH } from "./canonical-hash";
import type { AuditCheckpoint, TamperKind, VerificationResult } from "./types";
import { ChainVerifier, reconcileCheckpoints } from "./verify-chain";

/**
 * Verifies the stored chain end to end against the checkpoints in the table
 * and in the external sink (a bad signature on either is a forged checkpoint).
 * The store checks every row where the data is (hash, position, link,
 * columns, checkpoints) and hands back the first failure; when it cannot (a
 * canonical text that is no longer JSON), the records are streamed through
 * the same checks here. Either way memory stays constant.
 */
export async function verifyAuditLog(deps: {
  store: AuditStore;
  sink: CheckpointSink;
  publicKey: KeyObject;
  batchSize?: number;
  /**
   * With it, an unsigned tail older than `graceMs` at `now` is missing
   * evidence (checkpoint-schedule.ts#unsignedGraceMs): the checkpoints that
   * covered it are gone. Without it (offline tools, tests), only the tail's
   * length is reported.
   */
  unsigned?: { now: Date; graceMs: number };
}): Promise<VerificationResult> {
  const [tableCheckpoints, sinkCheckpoints] = await Promise.all([deps.store.listCheckpoints(), deps.sink.readAll()]);
  const { checkpoints, forged } = reconcileCheckpoints(tableCheckpoints, sinkCheckpoints, deps.publicKey);
  if (forged) {
    return { valid: false, checked: 0, firstBadSeq: forged.seq, kind: forged.kind, detail: forged.detail, checkpoints: tableCheckpoints.length + sinkCheckpoints.length, lastSeq: 0 };
  }
  const scan = await deps.store.scanChain(checkpoints);
  let result: VerificationResult;
  if (scan) {
    result = resultOfScan(scan, checkpoints);
  } else {
    const verifier = new ChainVerifier(checkpoints);
    for await (const record of deps.store.streamRecords(deps.batchSize ?? 10_000)) {
      if (!verifier.push(chainRowFromRecord(record))) break;
    }
    result = verifier.finish();
  }
  if (!result.valid) return result;
  return (await missingEvidence(deps, result, tableCheckpoints.length, sinkCheckpoints.length, checkpoints)) ?? result;
}

/**
 * A chain that checks out against the checkpoints it has, but lacks the ones it
 * must have (docs/spec/audit.md#verification): the file outside the database
 * gone while the table still lists checkpoints, or events older than the grace
 * that no checkpoint covers (every checkpoint deleted, file and table alike).
 */
async function missingEvidence(
  deps: { store: AuditStore; sink: CheckpointSink; unsigned?: { now: Date; graceMs: number } },
  result: VerificationResult,
  inTable: number,
  inSink: number,
  checkpoints: AuditCheckpoint[],
): Promise<VerificationResult | null> {
  const missing = (seq: number, detail: string): VerificationResult => ({ ...result, valid: false, firstBadSeq: seq, kind: "missing-checkpoints", detail });
  if (inTable > 0 && inSink === 0) {
    const where = deps.sink.location ? `the checkpoint file ${deps.sink.location}` : "the checkpoint sink";
    return missing(1, `${where} is missing or empty, but the table holds ${inTable} signed checkpoint(s): the copy kept outside the database is gone, so a rewritten chain could not be told from a true one`);
  }
  if (!deps.unsigned) return null;
  const newest = checkpoints.reduce((m, c) => Math.max(m, c.seq), 0);
  if (result.lastSeq <= newest) return null;
  // The first unsigned event: the newest event below newest + 2.
  const [first] = (await deps.store.query({ beforeSeq: newest + 2, limit: 1 })).events;
  if (!first) return null;
  const age = deps.unsigned.now.getTime() - Date.parse(first.at);
  if (age <= deps.unsigned.graceMs) return null;
  const span = result.lastSeq === first.seq ? `seq ${first.seq} is` : `seq ${first.seq}–${result.lastSeq} are`;
  const none = newest === 0 ? "there is no checkpoint at all (table and file)" : `the newest checkpoint is at seq ${newest}`;
  return missing(
    first.seq,
    `${span} covered by no signed checkpoint, yet seq ${first.seq} was written at ${first.at}, over ${Math.round(deps.unsigned.graceMs / 1000)} s ago, and ${none}: the checkpoints that covered them were deleted, or no Interlock server has run since they were written`,
  );
}

/** Names and locates the first failure of a scan, with the same precedence as ChainVerifier. */
export function resultOfScan(scan: ChainScan, checkpoints: AuditCheckpoint[]): VerificationResult {
  const base = { checked: scan.checked, checkpoints: checkpoints.length, lastSeq: scan.lastSeq };
  const problem = scan.firstProblem;
  const bad = (seq: number, kind: TamperKind, detail: string): VerificationResult => ({ ...base, valid: false, firstBadSeq: seq, kind, detail });
  if (problem) {
    const expected = (problem.prevSeq ?? 0) + 1;
    if (problem.seq > expected) {
      return bad(expected, "deleted", `${problem.seq - expected === 1 ? `seq ${expected} is` : `seq ${expected}–${problem.seq - 1} are`} missing`);
    }
    if (!problem.hashOk) return bad(problem.seq, "edited", `seq ${problem.seq}: its content does not hash to its stored hash`);
    if (problem.canonicalSeq !== problem.seq) return bad(problem.seq, "reordered", `the event stored at seq ${problem.seq} was written as seq ${problem.canonicalSeq ?? "?"}`);
    if (!problem.columnsOk) return bad(problem.seq, "edited", `seq ${problem.seq}: a column no longer matches the hashed content`);
    if (problem.canonicalPrevHash !== (problem.prevRowHash ?? GENESIS_HASH)) {
      const seq = Math.max(1, problem.seq - 1);
      return bad(seq, "edited", `seq ${problem.seq} links to a hash that seq ${problem.seq - 1} no longer has: seq ${seq} was rewritten`);
    }
    const from = checkpoints.filter((c) => c.seq < problem.seq).reduce((m, c) => Math.max(m, c.seq), 0) + 1;
    return bad(from, "edited", `seq ${problem.seq} differs from the signed checkpoint taken at that point: events between seq ${from} and ${problem.seq} were rewritten`);
  }
  const newest = checkpoints.reduce((m, c) => Math.max(m, c.seq), 0);
  if (newest > scan.lastSeq) return bad(scan.lastSeq + 1, "truncated", `the chain ends at seq ${scan.lastSeq} but a signed checkpoint records seq ${newest}`);
  return { ...base, valid: true, firstBadSeq: null, kind: null, detail: null };
}
