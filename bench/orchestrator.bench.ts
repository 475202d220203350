// `npm run bench -- orchestrator`: the orchestrator end to end on Postgres + Redis.
//   - ops/s: operations submitted as fast as the submitters can and driven by one
//     worker (concurrency BENCH_CONCURRENCY) through every step (conflict check,
//     locks on Redis, six gates, an executor that does nothing, release, audit),
//     until all BENCH_OPS have finished;
//   - decision latency: at a fixed arrival rate (BENCH_RATE per second for
//     BENCH_RATE_SECONDS), the time from submit() to the IN_PROGRESS commit;
//   - the Postgres reference, pg_tx_s, in the same run on the same database
//     (bench/lib/pg-reference.ts: durable single-row INSERT transactions from 8
//     connections);
//   - the write floor (bench/write-floor.ts): only the rows an operation must
//     leave, written by raw SQL in large batches with no logic, on a database of
//     its own;
//   - CPU per operation of this run's own processes (bench/lib/cpu.ts): this Node
//     process, the Postgres backends of this run's databases, and the Redis
//     server (INFO cpu, which includes any other client's load).
// Every operation targets its own service (a topology of isolated services):
// the run measures the orchestrator's own cost, not waits the policy imposes.
// One run prints its table, then one JSON line; bench/run.ts repeats it.
import { openDatabase, type Database } from "../server/adapters/postgres/database";
import { applyMigrations } from "../server/adapters/postgres/migrate";
import type { OperationExecutor } from "../server/core/executors/ports";
import type { OperationEvent } from "../server/core/operations/orchestrator-deps";
import { PrismaAuditStore } from "../server/adapters/postgres/audit-store";
import { createTestDatabase } from "../server/testing/postgres";
import os from "node:os";
import Redis from "ioredis";
import { CPU_BASIS, startCpuMeter } from "./lib/cpu";
import { knob } from "./lib/knobs";
import { PG_REFERENCE_DEFINITION, PG_REFERENCE_KEY_DEF, measurePgReference } from "./lib/pg-reference";
import { round } from "./lib/stats";
import { measureWriteFloor, type WriteFloor } from "./write-floor";
import { orchestratorFixture } from "../server/testing/orchestrator";

const OPS = knob("BENCH_OPS", 4_000, 1_000);
const CONCURRENCY = knob("BENCH_CONCURRENCY", 256);
const RATE = knob("BENCH_RATE", 200);
const RATE_SECONDS = knob("BENCH_RATE_SECONDS", 5, 2);
const FLOOR_SECONDS = knob("BENCH_FLOOR_SECONDS", 6, 2);
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SERVICES = 200 + OPS + RATE * RATE_SECONDS;

const noop: OperationExecutor = { name: "noop", execute: async (ctx) => (ctx.assertFenced(), { status: "SUCCEEDED", summary: "nothing to do", detail: {} }) };

const testDb = await createTestDatabase("bench_orchestrator");
const db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 16 });
const redisAdmin = new Redis(REDIS_URL);
let fixture: Awaited<ReturnType<typeof orchestratorFixture>> | null = null;
try {
  await applyMigrations(db);
  const services = Array.from({ length: SERVICES }, (_, i) => ({ name: `svc-${i}` }));
  await insertServices(db, services.map((s) => s.name));

  // The reference, on the same database.
  const reference = await measurePgReference(db);
  const pgTxS = reference.txS;

  // The write floor, on a database of its own (it writes its own audit chain): how
  // many operations per second Postgres could record here at best (see write-floor.ts).
  const floorDb = await createTestDatabase("bench_write_floor");
  const floorStore = await openDatabase({ kind: "postgres", url: floorDb.url, poolSize: 6 });
  let floor: WriteFloor;
  let floorPgCpuMsPerOp: number | null = null;
  try {
    await applyMigrations(floorStore);
    await insertServices(floorStore, services.slice(0, 1_000).map((s) => s.name));
    const serviceIds = (await floorStore.query<{ id: string }>(`SELECT id::text AS id FROM services`)).map((r) => r.id);
    const floorMeter = await startCpuMeter({ databases: [floorStore] });
    floor = await measureWriteFloor(floorStore, serviceIds, FLOOR_SECONDS);
    const floorCpu = await floorMeter.stop();
    floorPgCpuMsPerOp = floorCpu.pgSeconds === null ? null : (floorCpu.pgSeconds * 1000) / floor.ops;
    const floorChain = await new PrismaAuditStore(floorStore).scanChain([]);
    if (floorChain?.firstProblem) throw new Error(`the write floor's audit chain does not verify at seq ${floorChain.firstProblem.seq}`);
  } finally {
    await floorStore.close();
    await floorDb.drop();
  }

  fixture = await orchestratorFixture({
    db,
    seedTopology: false,
    executors: Object.fromEntries(["DEPLOYMENT", "ROLLBACK", "VERIFICATION", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"].map((t) => [t, noop])),
    config: { concurrency: CONCURRENCY, pollMs: 1_000 },
  });
  const { orchestrator } = fixture;
  const finished = new Map<string, number>();
  const inProgress = new Map<string, number>();
  orchestrator.onEvent((e: OperationEvent) => {
    if (e.state === "IN_PROGRESS") inProgress.set(e.operationId, performance.now());
    if (e.state === "COMPLETED" || e.state === "FAILED" || e.state === "ROLLED_BACK" || e.state === "CANCELLED") {
      finished.set(e.operationId, performance.now());
    }
  });
  await orchestrator.start();
  let next = 0;
  const submit = () => orchestrator.submit({ type: "DEPLOYMENT", service: `svc-${next++}`, actor: "bench", actorKind: "AUTOMATION", params: { version: "1" } });

  // Warm-up: JIT, connection pools, the graph cache.
  const warm = await Promise.all(Array.from({ length: 200 }, submit));
  await waitUntil(() => warm.every((w) => finished.has(w.operation.id)));
  // Planner statistics, as autovacuum (one-minute naptime) would have gathered them
  // on a store that has been up for longer than this benchmark.
  await db.query(`ANALYZE`);

  // Throughput: OPS operations, submitted by 64 concurrent submitters, until all have finished.
  const ids: string[] = [];
  const meter = await startCpuMeter({ databases: [db], redis: redisAdmin });
  const t0 = performance.now();
  let submitted = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (submitted < OPS) {
        submitted++;
        ids.push((await submit()).operation.id);
      }
    }),
  );
  await waitUntil(() => ids.every((id) => finished.has(id)));
  const opsS = OPS / ((performance.now() - t0) / 1000);
  const cpu = await meter.stop();
  const nodeCpuMsPerOp = (cpu.nodeSeconds * 1000) / OPS;
  const pgCpuMsPerOp = cpu.pgSeconds === null ? null : (cpu.pgSeconds * 1000) / OPS;
  const redisCpuMsPerOp = cpu.redisSeconds === null ? null : (cpu.redisSeconds * 1000) / OPS;
  // What the machine's cores allow at that cost, whatever waits the design adds.
  const cores = os.availableParallelism();
  const cpuCeilingOpsS = pgCpuMsPerOp === null ? null : (cores * 1000) / (nodeCpuMsPerOp + pgCpuMsPerOp + (redisCpuMsPerOp ?? 0));
  const states = await db.query<{ state: string; n: number }>(`SELECT state::text AS state, count(*)::int AS n FROM operations WHERE id = ANY($1::uuid[]) GROUP BY state`, [ids]);

  // Decision latency at a fixed arrival rate.
  const submittedAt = new Map<string, number>();
  const rateIds: string[] = [];
  const interval = 1000 / RATE;
  const rStart = performance.now();
  const pending: Promise<void>[] = [];
  for (let k = 0; k < RATE * RATE_SECONDS; k++) {
    const due = rStart + k * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const at = performance.now();
    pending.push(
      submit().then((o) => {
        submittedAt.set(o.operation.id, at);
        rateIds.push(o.operation.id);
      }),
    );
  }
  await Promise.all(pending);
  await waitUntil(() => rateIds.every((id) => finished.has(id)));
  const latencies = rateIds.map((id) => inProgress.get(id)! - submittedAt.get(id)!).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  const achievedRate = rateIds.length / ((performance.now() - rStart) / 1000);

  // Runs release their locks and record it just after their last transition: let them finish before counting.
  await orchestrator.stop(30_000);
  const auditCount = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events`))[0]!.n;
  const verification = await fixture.audit.verify();
  const figures = {
    bench: "orchestrator",
    ops_s: Math.round(opsS),
    pg_tx_s: Math.round(pgTxS),
    pg_tx_def: PG_REFERENCE_KEY_DEF,
    pg_tx_pg_cpu_us: round(reference.pgCpuUsPerTx),
    ratio_to_pg_tx: Number((opsS / pgTxS).toFixed(2)),
    write_floor_ops_s: Math.round(floor.opsS),
    write_floor_ratio_to_pg_tx: Number((floor.opsS / pgTxS).toFixed(2)),
    ratio_to_write_floor: Number((opsS / floor.opsS).toFixed(2)),
    node_cpu_ms_per_op: Number(nodeCpuMsPerOp.toFixed(3)),
    pg_cpu_ms_per_op: round3(pgCpuMsPerOp),
    redis_cpu_ms_per_op: round3(redisCpuMsPerOp),
    cpu_ceiling_ops_s: cpuCeilingOpsS === null ? null : Math.round(cpuCeilingOpsS),
    write_floor_pg_cpu_ms_per_op: round3(floorPgCpuMsPerOp),
    cores,
    decision_p50_ms: Number(pct(50).toFixed(2)),
    decision_p99_ms: Number(pct(99).toFixed(2)),
    arrival_rate_s: RATE,
    ops: OPS,
    concurrency: CONCURRENCY,
    audit_events: auditCount,
    audit_chain_valid: verification.valid,
  };
  const line = (name: string, value: string) => console.log(`${name.padEnd(58)} ${value}`);
  console.log(`orchestrator benchmark (${OPS} operations, worker concurrency ${CONCURRENCY}, Postgres + Redis, no-op executor)`);
  line("pg_tx_s, the Postgres reference (definition below)", `${Math.round(pgTxS).toLocaleString("en")} tx/s`);
  line("operations end to end (submit → COMPLETED)", `${Math.round(opsS).toLocaleString("en")} ops/s  (${(opsS / pgTxS).toFixed(2)} × pg_tx_s; targets ≥ 500 and ≥ 0.5 ×)`);
  line("  final states", states.map((s) => `${s.state} ${s.n}`).join(", "));
  line("  CPU per operation: Node (worker + submitters) / Postgres / Redis", `${nodeCpuMsPerOp.toFixed(2)} / ${fmt(pgCpuMsPerOp)} / ${fmt(redisCpuMsPerOp)} ms`);
  line(`  ceiling at that cost on ${cores} cores`, cpuCeilingOpsS === null ? "n/a (servers not local)" : `${Math.round(cpuCeilingOpsS).toLocaleString("en")} ops/s (${(cpuCeilingOpsS / pgTxS).toFixed(2)} × pg_tx_s)`);
  line("write floor: an operation's minimum rows, raw SQL, no logic", `${Math.round(floor.opsS).toLocaleString("en")} ops/s  (${(floor.opsS / pgTxS).toFixed(2)} × pg_tx_s; batches of ${floor.batch}, ${floor.connections} connections)`);
  line("  Postgres CPU per operation of the floor", `${fmt(floorPgCpuMsPerOp)} ms`);
  line("operations end to end ÷ write floor", (opsS / floor.opsS).toFixed(2));
  line(`decision latency at ${RATE}/s (submit → IN_PROGRESS) p50 / p99`, `${pct(50).toFixed(1)} ms / ${pct(99).toFixed(1)} ms  (achieved ${achievedRate.toFixed(0)}/s)`);
  line("audit events written / chain verifies", `${auditCount.toLocaleString("en")} / ${verification.valid}`);
  console.log(`pg_tx_s = ${PG_REFERENCE_DEFINITION}`);
  console.log(`(${CPU_BASIS} Postgres backends counted: ${cpu.pgBackends}.)`);
  console.log(JSON.stringify(figures));
} finally {
  await fixture?.close();
  await redisAdmin.quit();
  await db.close();
  await testDb.drop();
}

/**
 * The isolated services, by raw SQL in one statement: setup, not measured. (The topology
 * store's insertMissing is one Prisma interactive transaction with a 5 s limit, which
 * thousands of services outlast on a busy machine.)
 */
async function insertServices(target: Database, names: string[]): Promise<void> {
  await target.query(
    `INSERT INTO services (id, name, tier, criticality, team, description, updated_at)
     SELECT gen_random_uuid(), n, 3, 'MEDIUM'::"Criticality", 'bench', 'isolated', now() FROM unnest($1::text[]) AS n ON CONFLICT (name) DO NOTHING`,
    [names],
  );
}

function round3(value: number | null): number | null {
  return value === null ? null : Number(value.toFixed(3));
}

function fmt(value: number | null): string {
  return value === null ? "n/a" : value.toFixed(2);
}

async function waitUntil(condition: () => boolean, timeoutMs = 300_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("the benchmark's operations did not finish in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
