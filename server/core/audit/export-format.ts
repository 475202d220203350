import { canonicalJson } from "./canonical-hash";
import type { ChainRow } from "./verify-chain";
import type { AuditCheckpoint, AuditRecord, JsonValue } from "./types";

// The export: one JSON object a line. A header naming the signing key, every
// event with its canonical text and hashes, then the checkpoints. The same
// verifier that checks the database checks a file.

export const EXPORT_FORMAT = "interlock-audit-export/1";

export type ExportLine =
  | { type: "header"; format: typeof EXPORT_FORMAT; exportedAt: string; keyId: string; publicKeyPem: string }
  | ({ type: "event" } & AuditRecord)
  | ({ type: "checkpoint" } & AuditCheckpoint);

/**
 * A record read from a file, as the verifier sees it: the fields outside the
 * canonical text are compared with it here (the database does that in SQL).
 */
export function chainRowFromRecord(record: AuditRecord): ChainRow {
  let body: Record<string, JsonValue>;
  try {
    body = JSON.parse(record.canonical) as Record<string, JsonValue>;
  } catch {
    return { seq: record.seq, hash: record.hash, canonical: record.canonical, canonicalSeq: -1, canonicalPrevHash: "", columnsMatch: false };
  }
  const columnsMatch =
    body.category === record.category &&
    body.severity === record.severity &&
    body.actor === record.actor &&
    body.service === record.service &&
    body.operationId === record.operationId &&
    body.correlationId === record.correlationId &&
    body.action === record.action &&
    body.at === record.at &&
    body.prevHash === record.prevHash &&
    canonicalJson(body.payload ?? null) === canonicalJson(record.payload as JsonValue);
  return {
    seq: record.seq,
    hash: record.hash,
    canonical: record.canonical,
    canonicalSeq: typeof body.seq === "number" ? body.seq : -1,
    canonicalPrevHash: typeof body.prevHash === "string" ? body.prevHash : "",
    columnsMatch,
  };
}
