import type { KeyObject } from "node:crypto";
import { keyIdOf } from "./checkpoint-signing";
import { EXPORT_FORMAT, type ExportLine } from "./export-format";
import type { AuditStore } from "./ports";

/**
 * The export's lines in order: the header naming the signing key, every event
 * in sequence order (read in batches, so memory stays flat), then the signed
 * checkpoints. `npm run audit:export` writes them to a file, the API streams them.
 */
export async function* exportAuditLog(deps: { store: AuditStore; publicKey: KeyObject; now: Date }): AsyncGenerator<ExportLine> {
  yield { type: "header", format: EXPORT_FORMAT, exportedAt: deps.now.toISOString(), keyId: keyIdOf(deps.publicKey), publicKeyPem: deps.publicKey.export({ type: "spki", format: "pem" }).toString() };
  for await (const record of deps.store.streamRecords(5_000)) yield { type: "event", ...record };
  for (const checkpoint of await deps.store.listCheckpoints()) yield { type: "checkpoint", ...checkpoint };
}
