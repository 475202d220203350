// An audit log over a real store, with its own signing key and checkpoint file, for tests.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonlCheckpointSink } from "../adapters/audit/checkpoint-file-sink";
import { PrismaAuditStore } from "../adapters/postgres/audit-store";
import type { Database } from "../adapters/postgres/database";
import { AuditLog, type AuditLogConfig } from "../core/audit/audit-log";
import { createCheckpointSigner } from "../core/audit/checkpoint-signing";
import { verifyAuditLog } from "../core/audit/verify-audit-log";
import { systemClock } from "../core/clock";

export function auditFixture(db: Database, config: Partial<AuditLogConfig> = {}) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-audit-"));
  const sinkFile = path.join(dir, "checkpoints.jsonl");
  const store = new PrismaAuditStore(db);
  const sink = new JsonlCheckpointSink(sinkFile);
  const log = new AuditLog({
    store,
    sink,
    signer: createCheckpointSigner(privateKey),
    clock: systemClock,
    config: { checkpointEvery: 1_000_000, checkpointIntervalMs: 60_000, maxBatch: 500, ...config },
  });
  return {
    store,
    sink,
    sinkFile,
    log,
    privateKey,
    publicKey,
    verify: () => verifyAuditLog({ store, sink, publicKey, batchSize: 1000 }),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
