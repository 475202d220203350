import { GENESIS_HASH, sha256Hex } from "./canonical-hash";
import { checkpointSignatureValid } from "./checkpoint-signing";
import type { AuditCheckpoint, TamperKind, VerificationResult } from "./types";
import type { KeyObject } from "node:crypto";

/**
 * One stored event as verification needs it. `canonicalSeq` and
 * `canonicalPrevHash` are read from the canonical text; `columnsMatch` says
 * whether every queryable column (category, actor, payload, time, …) still
 * equals what the canonical text says, so an edit to a column that queries
 * show but the hash does not cover is caught too.
 */
export interface ChainRow {
  seq: number;
  hash: string;
  canonical: string;
  canonicalSeq: number;
  canonicalPrevHash: string;
  columnsMatch: boolean;
}

interface Problem {
  seq: number;
  kind: TamperKind;
  detail: string;
}

/**
 * Checks a chain streamed in sequence order, one row at a time, in constant
 * memory. Stops at the first problem, which it names and locates.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private checked = 0;
  private lastGoodCheckpointSeq = 0;
  private problem: Problem | null = null;
  private readonly bySeq: Map<number, AuditCheckpoint>;
  private readonly maxCheckpointSeq: number;

  constructor(private readonly checkpoints: AuditCheckpoint[]) {
    this.bySeq = new Map(checkpoints.map((c) => [c.seq, c]));
    this.maxCheckpointSeq = checkpoints.reduce((m, c) => Math.max(m, c.seq), 0);
  }

  /** Feeds the next row; returns false once a problem is found (feed no more). */
  push(row: ChainRow): boolean {
    if (this.problem) return false;
    this.checked++;
    const problem = this.check(row);
    if (problem) {
      this.problem = problem;
      return false;
    }
    this.prevHash = row.hash;
    this.expectedSeq = row.seq + 1;
    return true;
  }

  private check(row: ChainRow): Problem | null {
    if (row.seq < this.expectedSeq) {
      return { seq: row.seq, kind: "reordered", detail: `seq ${row.seq} appears after seq ${this.expectedSeq - 1}` };
    }
    if (row.seq > this.expectedSeq) {
      const missing = row.seq - this.expectedSeq;
      return { seq: this.expectedSeq, kind: "deleted", detail: `${missing === 1 ? `seq ${this.expectedSeq} is` : `seq ${this.expectedSeq}–${row.seq - 1} are`} missing` };
    }
    if (sha256Hex(row.canonical) !== row.hash) {
      return { seq: row.seq, kind: "edited", detail: `seq ${row.seq}: its content does not hash to its stored hash` };
    }
    if (row.canonicalSeq !== row.seq) {
      return { seq: row.seq, kind: "reordered", detail: `the event stored at seq ${row.seq} was written as seq ${row.canonicalSeq}` };
    }
    if (!row.columnsMatch) {
      return { seq: row.seq, kind: "edited", detail: `seq ${row.seq}: a column no longer matches the hashed content` };
    }
    if (row.canonicalPrevHash !== this.prevHash) {
      // This row still links to the hash its predecessor had when it was written,
      // so the predecessor is the one that was rewritten (and rehashed).
      const seq = Math.max(1, row.seq - 1);
      return { seq, kind: "edited", detail: `seq ${row.seq} links to a hash that seq ${row.seq - 1} no longer has: seq ${seq} was rewritten` };
    }
    const checkpoint = this.bySeq.get(row.seq);
    if (checkpoint) {
      if (checkpoint.hash !== row.hash || checkpoint.count !== row.seq) {
        const from = this.lastGoodCheckpointSeq + 1;
        return { seq: from, kind: "edited", detail: `seq ${row.seq} differs from the signed checkpoint taken at that point: events between seq ${from} and ${row.seq} were rewritten` };
      }
      this.lastGoodCheckpointSeq = row.seq;
    }
    return null;
  }

  finish(): VerificationResult {
    if (!this.problem && this.maxCheckpointSeq > this.expectedSeq - 1) {
      const last = this.expectedSeq - 1;
      this.problem = { seq: last + 1, kind: "truncated", detail: `the chain ends at seq ${last} but a signed checkpoint records seq ${this.maxCheckpointSeq}` };
    }
    return {
      valid: this.problem === null,
      checked: this.checked,
      firstBadSeq: this.problem?.seq ?? null,
      kind: this.problem?.kind ?? null,
      detail: this.problem?.detail ?? null,
      checkpoints: this.checkpoints.length,
      lastSeq: this.expectedSeq - 1,
    };
  }
}

/**
 * Merges the checkpoints kept in the table with those kept outside it (the
 * sink is the one an attacker with database access cannot rewrite). A bad
 * signature on either side, or the two sides disagreeing, is a forged checkpoint.
 */
export function reconcileCheckpoints(
  table: AuditCheckpoint[],
  sink: AuditCheckpoint[],
  publicKey: KeyObject,
): { checkpoints: AuditCheckpoint[]; forged: Problem | null } {
  const merged = new Map<number, AuditCheckpoint>();
  for (const [source, list] of [["sink", sink], ["table", table]] as const) {
    for (const checkpoint of list) {
      if (!checkpointSignatureValid(checkpoint, publicKey)) {
        return { checkpoints: [], forged: { seq: checkpoint.seq, kind: "forged-checkpoint", detail: `the checkpoint at seq ${checkpoint.seq} in the ${source} has no valid signature from key ${checkpoint.keyId}` } };
      }
      const other = merged.get(checkpoint.seq);
      if (other && (other.hash !== checkpoint.hash || other.count !== checkpoint.count)) {
        return { checkpoints: [], forged: { seq: checkpoint.seq, kind: "forged-checkpoint", detail: `the table's checkpoint at seq ${checkpoint.seq} differs from the one kept outside the database` } };
      }
      merged.set(checkpoint.seq, checkpoint);
    }
  }
  return { checkpoints: [...merged.values()].sort((a, b) => a.seq - b.seq), forged: null };
}

/** Verifies a whole chain from a stream of rows, against the checkpoints. */
export async function verifyChain(input: {
  rows: AsyncIterable<ChainRow>;
  tableCheckpoints: AuditCheckpoint[];
  sinkCheckpoints: AuditCheckpoint[];
  publicKey: KeyObject;
}): Promise<VerificationResult> {
  const { checkpoints, forged } = reconcileCheckpoints(input.tableCheckpoints, input.sinkCheckpoints, input.publicKey);
  if (forged) {
    return { valid: false, checked: 0, firstBadSeq: forged.seq, kind: forged.kind, detail: forged.detail, checkpoints: input.tableCheckpoints.length + input.sinkCheckpoints.length, lastSeq: 0 };
  }
  const verifier = new ChainVerifier(checkpoints);
  for await (const row of input.rows) {
    if (!verifier.push(row)) break;
  }
  return verifier.finish();
}
