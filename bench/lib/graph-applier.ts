// The other process of `npm run bench -- graph`: applies documents with 1 % of
// the graph changed through the PUT use case while the benchmark process checks
// conflicts. Prints one JSON line: { apply_ms: number[] }.
//   tsx --conditions=react-server bench/lib/graph-applier.ts <databaseUrl> <applies> <seed>
import { openDatabase } from "../../server/adapters/postgres/database";
import { PostgresGraphChangeStore } from "../../server/adapters/postgres/graph-change-store";
import { PrismaAuditStore } from "../../server/adapters/postgres/audit-store";
import { JsonlCheckpointSink } from "../../server/adapters/audit/checkpoint-file-sink";
import { AuditLog } from "../../server/core/audit/audit-log";
import { createCheckpointSigner } from "../../server/core/audit/checkpoint-signing";
import { systemClock } from "../../server/core/clock";
import { DEFAULT_CONFLICT_POLICY } from "../../server/core/conflicts/policy";
import { applyTopologyDocument } from "../../server/core/graph/apply-topology-document";
import { perturbTopology } from "../../server/core/graph/perturb-topology";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [url, appliesArg, seedArg] = process.argv.slice(2);
const db = await openDatabase({ kind: "postgres", url: url!, poolSize: 4 });
const changes = new PostgresGraphChangeStore(db);
const audit = new AuditLog({
  store: new PrismaAuditStore(db),
  sink: new JsonlCheckpointSink(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "graph-applier-")), "checkpoints.jsonl")),
  signer: createCheckpointSigner(crypto.generateKeyPairSync("ed25519").privateKey),
  clock: systemClock,
  config: { checkpointEvery: 1_000_000, checkpointIntervalMs: 3_600_000, maxBatch: 500 },
});
const deps = { changes, audit, clock: systemClock, conflictPolicy: async () => DEFAULT_CONFLICT_POLICY };
const times: number[] = [];
let graph = (await changes.load()).topology;
// Services operations refer to cannot be removed: the changes leave them in.
const keep = new Set((await db.query<{ name: string }>(`SELECT DISTINCT s.name FROM services s JOIN operations o ON o.service_id = s.id`)).map((r) => r.name));
for (let i = 0; i < Number(appliesArg); i++) {
  graph = perturbTopology(graph, { share: 0.01, seed: Number(seedArg) + i, keep });
  const started = performance.now();
  await applyTopologyDocument(deps, graph, { source: "FILE", origin: "bench.yaml", observed: "keep" }, { actor: "bench", role: "ADMIN" });
  times.push(performance.now() - started);
}
await db.close();
process.stdout.write(`${JSON.stringify({ apply_ms: times })}\n`, () => process.exit(0));
