// `npm run bench -- store`: what the Prisma 7 client (query compiler + pg driver
// adapter) costs over raw `pg` on the same Postgres, and how the embedded PGlite
// store compares, measured in one run so the figures are ratios, not absolutes.
// The hot paths (lock leases, audit appends) use this to choose between Prisma
// and raw SQL. The reads' limit here is a `SELECT 1` round trip on the same pool,
// not the commit rate other benchmarks compare with (see bench/lib/pg-reference.ts).
// One run prints its table, then one JSON line; bench/run.ts repeats it.
import { openDatabase, type Database } from "../server/adapters/postgres/database";
import { applyMigrations } from "../server/adapters/postgres/migrate";
import { PrismaMarkerStore, PrismaTopologyStore } from "../server/adapters/postgres/topology-store";
import { seedDemoTopology } from "../server/core/topology/seed-demo-topology";
import { createTestDatabase } from "../server/testing/postgres";
import { knob } from "./lib/knobs";
import { percentile, round } from "./lib/stats";

const DURATION_MS = knob("BENCH_DURATION_MS", 2_000, 500);

interface Result {
  id: string;
  name: string;
  concurrency: number;
  opsPerSecond: number;
  p50: number;
  p99: number;
}

async function measure(id: string, name: string, concurrency: number, op: () => Promise<unknown>): Promise<Result> {
  for (let i = 0; i < 50; i++) await op(); // warm up
  const latencies: number[] = [];
  const deadline = performance.now() + DURATION_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await op();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { id, name, concurrency, opsPerSecond: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

async function prepare(db: Database) {
  await applyMigrations(db);
  await seedDemoTopology({ topology: new PrismaTopologyStore(db.prisma), markers: new PrismaMarkerStore(db.prisma), now: new Date() });
}

const testDb = await createTestDatabase("bench_store");
const pgDb = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 16 });
const lite = await openDatabase({ kind: "pglite", dataDir: null });
const results: Result[] = [];
try {
  await prepare(pgDb);
  await prepare(lite);
  const byName = (db: Database) => () => db.prisma.service.findUnique({ where: { name: "payment-service" } });
  const rawByName = (db: Database) => () => db.withSession((s) => s.query(`SELECT * FROM services WHERE name = $1`, ["payment-service"]));
  for (const concurrency of [1, 16]) {
    results.push(await measure("pg_select1", "postgres: raw pg SELECT 1 (limit)", concurrency, () => pgDb.ping()));
    results.push(await measure("raw_by_name", "postgres: raw pg service by name", concurrency, rawByName(pgDb)));
    results.push(await measure("prisma_by_name", "postgres: prisma service by name", concurrency, byName(pgDb)));
  }
  results.push(await measure("pglite_prisma_by_name", "pglite: prisma service by name", 1, byName(lite)));
  results.push(await measure("prisma_list_services", "postgres: prisma listServices (42 + edges)", 1, () => new PrismaTopologyStore(pgDb.prisma).listServices()));
} finally {
  await pgDb.close();
  await lite.close();
  await testDb.drop();
}

const rate = (id: string, c: number) => results.find((r) => r.id === id && r.concurrency === c)?.opsPerSecond ?? NaN;
console.log(`\nstore benchmark (ops/s; latency in ms; ${DURATION_MS} ms per case)\n`);
console.log(`${"case".padEnd(46)} ${"conc".padStart(4)} ${"ops/s".padStart(9)} ${"p50".padStart(7)} ${"p99".padStart(7)}`);
for (const r of results) {
  console.log(`${r.name.padEnd(46)} ${String(r.concurrency).padStart(4)} ${r.opsPerSecond.toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(7)} ${r.p99.toFixed(2).padStart(7)}`);
}
const summary: Record<string, number | null | string> = {
  bench: "store",
  pg_select1_ops_s_c16: round(rate("pg_select1", 16)),
  raw_by_name_ops_s_c16: round(rate("raw_by_name", 16)),
  prisma_by_name_ops_s_c16: round(rate("prisma_by_name", 16)),
  prisma_vs_raw_c16: round(rate("prisma_by_name", 16) / rate("raw_by_name", 16), 2),
  prisma_vs_raw_c1: round(rate("prisma_by_name", 1) / rate("raw_by_name", 1), 2),
  pglite_vs_pg_prisma_c1: round(rate("pglite_prisma_by_name", 1) / rate("prisma_by_name", 1), 2),
  pglite_prisma_by_name_ops_s: round(rate("pglite_prisma_by_name", 1)),
};
for (const r of results) {
  const key = `${r.id}_c${r.concurrency}`;
  // The concurrency-16 rates and PGlite's keep their historical names above.
  if (r.concurrency === 1 && r.id !== "pglite_prisma_by_name") summary[`${key}_ops_s`] = round(r.opsPerSecond);
  summary[`${key}_p50_ms`] = round(r.p50, 3);
  summary[`${key}_p99_ms`] = round(r.p99, 3);
}
summary.duration_ms = DURATION_MS;
console.log(`\n${JSON.stringify(summary)}`);
