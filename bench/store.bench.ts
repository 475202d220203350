// `npm run bench -- store`: what the Prisma 7 client (query compiler + pg driver
// adapter) costs over raw `pg` on the same Postgres, and how the embedded PGlite
// store compares, measured in one run so the figures are ratios, not absolutes.
// The hot paths that come later (lock leases, audit appends) use this to choose
// between Prisma and raw SQL.
import { openDatabase, type Database } from "../server/adapters/prisma/database";
import { applyMigrations } from "../server/adapters/prisma/migrate";
import { PrismaMarkerStore, PrismaTopologyStore } from "../server/adapters/prisma/topology-store";
import { seedDemoTopology } from "../server/core/topology/seed-demo-topology";
import { createTestDatabase } from "../server/testing/postgres";

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 2_000);

interface Result {
  name: string;
  concurrency: number;
  opsPerSecond: number;
  p50: number;
  p99: number;
}

async function measure(name: string, concurrency: number, op: () => Promise<unknown>): Promise<Result> {
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
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { name, concurrency, opsPerSecond: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99) };
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
    results.push(await measure("postgres: raw pg SELECT 1 (limit)", concurrency, () => pgDb.ping()));
    results.push(await measure("postgres: raw pg service by name", concurrency, rawByName(pgDb)));
    results.push(await measure("postgres: prisma service by name", concurrency, byName(pgDb)));
  }
  results.push(await measure("pglite: prisma service by name", 1, byName(lite)));
  results.push(await measure("postgres: prisma listServices (42 + edges)", 1, () => new PrismaTopologyStore(pgDb.prisma).listServices()));
} finally {
  await pgDb.close();
  await lite.close();
  await testDb.drop();
}

const rate = (name: string, c: number) => results.find((r) => r.name === name && r.concurrency === c)?.opsPerSecond ?? 0;
console.log("\nstore benchmark (ops/s; latency in ms)\n");
console.log(`${"case".padEnd(46)} ${"conc".padStart(4)} ${"ops/s".padStart(9)} ${"p50".padStart(7)} ${"p99".padStart(7)}`);
for (const r of results) {
  console.log(`${r.name.padEnd(46)} ${String(r.concurrency).padStart(4)} ${r.opsPerSecond.toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(7)} ${r.p99.toFixed(2).padStart(7)}`);
}
const summary = {
  bench: "store",
  pg_select1_ops_s_c16: Math.round(rate("postgres: raw pg SELECT 1 (limit)", 16)),
  raw_by_name_ops_s_c16: Math.round(rate("postgres: raw pg service by name", 16)),
  prisma_by_name_ops_s_c16: Math.round(rate("postgres: prisma service by name", 16)),
  prisma_vs_raw_c16: Number((rate("postgres: prisma service by name", 16) / rate("postgres: raw pg service by name", 16)).toFixed(2)),
  pglite_prisma_by_name_ops_s: Math.round(rate("pglite: prisma service by name", 1)),
};
console.log(`\n${JSON.stringify(summary)}`);
