// A separate process that appends to the audit chain from many concurrent
// writers: used by the concurrency test (and the benchmark) to prove that
// writers in several processes never fork the chain.
//   tsx --conditions=react-server server/testing/audit-writer.ts <databaseUrl> <writers> <appendsPerWriter>
// The signing key comes from AUDIT_SIGNING_KEY (PEM), shared by every process as in production.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonlCheckpointSink } from "../adapters/audit/checkpoint-file-sink";
import { PrismaAuditStore } from "../adapters/postgres/audit-store";
import { openDatabase } from "../adapters/postgres/database";
import { AuditLog } from "../core/audit/audit-log";
import { createCheckpointSigner } from "../core/audit/checkpoint-signing";
import { systemClock } from "../core/clock";

const [url, writersArg, perWriterArg] = process.argv.slice(2);
const writers = Number(writersArg);
const perWriter = Number(perWriterArg);
const key = crypto.createPrivateKey(process.env.AUDIT_SIGNING_KEY ?? "");
const sinkFile = process.env.AUDIT_CHECKPOINT_FILE ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "audit-writer-")), "checkpoints.jsonl");

const db = await openDatabase({ kind: "postgres", url: url!, poolSize: 4 });
const log = new AuditLog({
  store: new PrismaAuditStore(db),
  sink: new JsonlCheckpointSink(sinkFile),
  signer: createCheckpointSigner(key),
  clock: systemClock,
  config: { checkpointEvery: 2_000, checkpointIntervalMs: 60_000, maxBatch: 500 },
});
const started = performance.now();
await Promise.all(
  Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; i < perWriter; i++) {
      await log.append({ category: "LOCK_OPERATION", severity: "INFO", actor: `writer-${process.pid}-${w}`, action: "lock.acquired", payload: { pid: process.pid, writer: w, i } });
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
await log.settle();
await db.close();
console.log(JSON.stringify({ pid: process.pid, appended: writers * perWriter, seconds }));
