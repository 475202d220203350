// `npm run bench -- audit`: audit log throughput on the machine's Postgres, in one run:
//   - the Postgres reference, pg_tx_s (bench/lib/pg-reference.ts: durable
//     single-row INSERT transactions, 8 connections);
//   - append, one writer, one event per call (each its own transaction);
//   - append, one writer, batches of 500 (appendMany);
//   - append, 8 concurrent writers, one event per call (group commit), with the
//     CPU it costs this process and this run's Postgres backends (bench/lib/cpu.ts);
//   - verification of a chain of BENCH_VERIFY_EVENTS events (default 200,000).
// BENCH_DURATION_MS sets the time per append case. One run prints its table,
// then one JSON line; bench/run.ts repeats it.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonlCheckpointSink } from "../server/adapters/audit/checkpoint-file-sink";
import { PrismaAuditStore } from "../server/adapters/postgres/audit-store";
import { openDatabase } from "../server/adapters/postgres/database";
import { applyMigrations } from "../server/adapters/postgres/migrate";
import { AuditLog } from "../server/core/audit/audit-log";
import { createCheckpointSigner } from "../server/core/audit/checkpoint-signing";
import type { AuditEventInput } from "../server/core/audit/types";
import { verifyAuditLog } from "../server/core/audit/verify-audit-log";
import { systemClock } from "../server/core/clock";
import { createTestDatabase } from "../server/testing/postgres";
import { CPU_BASIS, startCpuMeter } from "./lib/cpu";
import { knob } from "./lib/knobs";
import { PG_REFERENCE_DEFINITION, PG_REFERENCE_KEY_DEF, measurePgReference } from "./lib/pg-reference";
import { round } from "./lib/stats";

const DURATION_MS = knob("BENCH_DURATION_MS", 3_000, 1_000);
// 200,000 keeps three runs within a few minutes on a busy 2-core machine. Verification reads the
// chain in batches of 10,000, so its rate hardly depends on the length; BENCH_VERIFY_EVENTS=1000000
// measures it at the size the target names.
const VERIFY_EVENTS = knob("BENCH_VERIFY_EVENTS", 200_000, 50_000);
const event = (i: number): AuditEventInput => ({
  category: "LOCK_OPERATION",
  severity: "INFO",
  actor: "auto-healing-system",
  service: "payment-service",
  correlationId: `corr-${i % 1000}`,
  action: "lock.acquired",
  payload: { resource: "payment-service", holder: `op-${i}`, scope: "SERVICE", ttlSeconds: 300, fencingToken: i },
});

async function forDuration(concurrency: number, op: (worker: number) => Promise<number>): Promise<number> {
  const deadline = performance.now() + DURATION_MS;
  const started = performance.now();
  const counts = await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let n = 0;
      while (performance.now() < deadline) n += await op(w);
      return n;
    }),
  );
  return counts.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
}

const testDb = await createTestDatabase("bench_audit");
const db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 12 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-audit-"));
const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
const store = new PrismaAuditStore(db);
const sink = new JsonlCheckpointSink(path.join(dir, "checkpoints.jsonl"));
const log = new AuditLog({ store, sink, signer: createCheckpointSigner(privateKey), clock: systemClock, config: { checkpointEvery: 10_000, checkpointIntervalMs: 60_000, maxBatch: 500 } });
const rows: [string, number][] = [];
let i = 0;
try {
  await applyMigrations(db);
  const reference = await measurePgReference(db);
  const pgTx = reference.txS;
  rows.push(["pg_tx_s: the Postgres reference (see below)", pgTx]);

  const single = await forDuration(1, async () => (await log.append(event(i++)), 1));
  rows.push(["append, 1 writer, 1 event per call", single]);
  const batched = await forDuration(1, async () => (await log.appendMany(Array.from({ length: 500 }, () => event(i++)))).length);
  rows.push(["appendMany, 1 writer, 500 per call", batched]);
  const meter = await startCpuMeter({ databases: [db] });
  const concurrentFrom = i;
  const concurrent = await forDuration(8, async () => (await log.append(event(i++)), 1));
  await log.settle();
  const cpu = await meter.stop();
  const concurrentEvents = i - concurrentFrom;
  rows.push(["append, 8 concurrent writers (group commit)", concurrent]);
  const nodeUsPerEvent = (cpu.nodeSeconds * 1e6) / concurrentEvents;
  const pgUsPerEvent = cpu.pgSeconds === null ? null : (cpu.pgSeconds * 1e6) / concurrentEvents;

  const [forks] = await db.withSession((s) => s.query<{ n: number; distinct_prev: number; max: string }>(`SELECT count(*)::int AS n, count(DISTINCT prev_hash)::int AS distinct_prev, max(seq)::text AS max FROM audit_events`));
  if (forks!.n !== forks!.distinct_prev || String(forks!.n) !== forks!.max) throw new Error(`the chain forked or has gaps: ${JSON.stringify(forks)}`);

  // Grow the chain to VERIFY_EVENTS with large batches, then time a full verification.
  process.stderr.write(`filling the chain to ${VERIFY_EVENTS} events…\n`);
  while (i < VERIFY_EVENTS) {
    const n = Math.min(5_000, VERIFY_EVENTS - Number(forks!.n) - (i - Number(forks!.n)));
    if (n <= 0) break;
    await log.appendMany(Array.from({ length: n }, () => event(i++)));
  }
  await log.settle();
  await log.checkpoint();
  // As autovacuum would have by the time anyone verifies a live log: otherwise the
  // first read of a million fresh rows pays for setting their hint bits.
  await db.withSession((s) => s.exec(`VACUUM (ANALYZE) audit_events`));
  const t0 = performance.now();
  const result = await verifyAuditLog({ store, sink, publicKey, batchSize: 10_000 });
  const verifySeconds = (performance.now() - t0) / 1000;
  if (!result.valid) throw new Error(`verification failed: ${JSON.stringify(result)}`);
  rows.push([`verify ${result.checked.toLocaleString("en")} events (events/s)`, result.checked / verifySeconds]);
  console.log("\naudit benchmark (events per second; Postgres on this machine)\n");
  for (const [name, rate] of rows) console.log(`${name.padEnd(56)} ${Math.round(rate).toLocaleString("en").padStart(12)}`);
  console.log(`\npg_tx_s = ${PG_REFERENCE_DEFINITION}; Postgres CPU ${reference.pgCpuUsPerTx?.toFixed(0) ?? "n/a"} µs per transaction`);
  console.log(`concurrent append = ${(concurrent / pgTx).toFixed(2)} × pg_tx_s; CPU per event: Node ${nodeUsPerEvent.toFixed(0)} µs, Postgres ${pgUsPerEvent?.toFixed(0) ?? "n/a"} µs; chain checked: no forks, no gaps, valid`);
  console.log(`(${CPU_BASIS})`);
  console.log(
    JSON.stringify({
      bench: "audit",
      append_eps: Math.round(single),
      append_batched_eps: Math.round(batched),
      append_concurrent_eps: Math.round(concurrent),
      pg_tx_s: Math.round(pgTx),
      pg_tx_def: PG_REFERENCE_KEY_DEF,
      append_concurrent_vs_pg_tx: round(concurrent / pgTx, 2),
      pg_tx_pg_cpu_us: round(reference.pgCpuUsPerTx),
      append_concurrent_node_cpu_us_per_event: round(nodeUsPerEvent),
      append_concurrent_pg_cpu_us_per_event: round(pgUsPerEvent),
      verify_eps: Math.round(result.checked / verifySeconds),
      verify_events: result.checked,
      forks: 0,
    }),
  );
} finally {
  await log.settle();
  await db.close();
  await testDb.drop();
  fs.rmSync(dir, { recursive: true, force: true });
}
