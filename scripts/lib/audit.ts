// The audit pieces the command-line tools need, built from the same configuration as the server.
import crypto from "node:crypto";
import { JsonlCheckpointSink } from "../../server/adapters/audit/checkpoint-file-sink";
import { loadAuditSigningKey } from "../../server/adapters/audit/signing-key";
import { PrismaAuditStore } from "../../server/adapters/prisma/audit-store";
import { databaseConfigFromEnv, openDatabase } from "../../server/adapters/prisma/database";
import { applyMigrations } from "../../server/adapters/prisma/migrate";
import type { Env } from "../../server/env";

export async function openAudit(env: Env) {
  const db = await openDatabase({ ...databaseConfigFromEnv(env), ...(env.DATABASE_URL ? { poolSize: 2 } : {}) });
  await applyMigrations(db);
  const privateKey = loadAuditSigningKey({ configured: env.AUDIT_SIGNING_KEY, keyFile: env.auditKeyFile });
  return {
    db,
    store: new PrismaAuditStore(db),
    sink: new JsonlCheckpointSink(env.auditCheckpointFile),
    publicKey: crypto.createPublicKey(privateKey),
  };
}
