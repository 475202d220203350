// `npm run bench -- orchestrator`: the orchestrator end to end on Postgres + Redis.
//   - ops/s: operations submitted as fast as the submitters can and driven by one
//     worker (concurrency BENCH_CONCURRENCY) through every step (conflict check,
//     locks on Redis, six gates, an executor that does nothing, release, audit),
//     until all BENCH_OPS have finished;
//   - decision latency: at a fixed arrival rate (BENCH_RATE per second for
//     BENCH_RATE_SECONDS), the time from submit() to the IN_PROGRESS commit;
//   - the reference limit, in the same run: one-row INSERT transactions on the
//     same Postgres from 8 connections.
// Every operation targets its own service (a topology of isolated services):
// the run measures the orchestrator's own cost, not waits the policy imposes.
import { openDatabase } from "../server/adapters/prisma/database";
import { applyMigrations } from "../server/adapters/prisma/migrate";
import { PrismaTopologyStore } from "../server/adapters/prisma/topology-store";
import type { OperationExecutor } from "../server/core/executors/ports";
import type { OperationEvent } from "../server/core/operations/orchestrator-deps";
import { createTestDatabase } from "../server/testing/postgres";
import { orchestratorFixture } from "../server/testing/orchestrator";

const OPS = Number(process.env.BENCH_OPS ?? 4_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 256);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 5);
const PG_SECONDS = Number(process.env.BENCH_DURATION_MS ?? 3_000) / 1000;
const SERVICES = 200 + OPS + RATE * RATE_SECONDS;

const noop: OperationExecutor = { name: "noop", execute: async (ctx) => (ctx.assertFenced(), { status: "SUCCEEDED", summary: "nothing to do", detail: {} }) };

const testDb = await createTestDatabase("bench_orchestrator");
const db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 16 });
let fixture: Awaited<ReturnType<typeof orchestratorFixture>> | null = null;
try {
  await applyMigrations(db);
  const services = Array.from({ length: SERVICES }, (_, i) => ({ name: `svc-${i}`, tier: 3, criticality: "MEDIUM" as const, team: "bench", description: "isolated" }));
  await new PrismaTopologyStore(db.prisma).insertMissing({ services, dependencies: [], resourceGroups: [] });

  // The reference: one-row INSERT transactions, 8 connections, for PG_SECONDS.
  await db.query(`CREATE TABLE bench_plain (id bigserial PRIMARY KEY, body text NOT NULL)`);
  const pgStart = performance.now();
  const pgDeadline = pgStart + PG_SECONDS * 1000;
  const pgCounts = await Promise.all(
    Array.from({ length: 8 }, async () => {
      let n = 0;
      while (performance.now() < pgDeadline) {
        await db.withSession((s) => s.transaction((tx) => tx.query(`INSERT INTO bench_plain (body) VALUES ($1)`, ["x".repeat(300)])));
        n++;
      }
      return n;
    }),
  );
  const pgTxS = pgCounts.reduce((a, b) => a + b, 0) / ((performance.now() - pgStart) / 1000);

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

  // Throughput: OPS operations, submitted by 64 concurrent submitters, until all have finished.
  const ids: string[] = [];
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
    ratio_to_pg_tx: Number((opsS / pgTxS).toFixed(2)),
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
  line("limit: one-row INSERT transactions, 8 connections", `${Math.round(pgTxS).toLocaleString("en")} tx/s`);
  line("operations end to end (submit → COMPLETED)", `${Math.round(opsS).toLocaleString("en")} ops/s  (${(opsS / pgTxS).toFixed(2)} × the limit; targets ≥ 500 and ≥ 0.5 ×)`);
  line("  final states", states.map((s) => `${s.state} ${s.n}`).join(", "));
  line(`decision latency at ${RATE}/s (submit → IN_PROGRESS) p50 / p99`, `${pct(50).toFixed(1)} ms / ${pct(99).toFixed(1)} ms  (achieved ${achievedRate.toFixed(0)}/s)`);
  line("audit events written / chain verifies", `${auditCount.toLocaleString("en")} / ${verification.valid}`);
  console.log(JSON.stringify(figures));
} finally {
  await fixture?.close();
  await db.close();
  await testDb.drop();
}

async function waitUntil(condition: () => boolean, timeoutMs = 300_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("the benchmark's operations did not finish in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
