// The Postgres reference rate, `pg_tx_s`: ONE definition for every benchmark that
// compares itself with what the machine's Postgres can commit.
//
//   Durable single-row INSERT transactions per second: 8 connections, each in a
//   loop sending `INSERT INTO bench_reference (body) VALUES ($1)` (a 300-byte text
//   into a table with only a bigserial primary key) as its own autocommit
//   transaction, one round trip per transaction, each commit flushed to the WAL
//   with the server's settings (synchronous_commit as configured). Run on a fresh
//   table in the benchmark's own database, for BENCH_PG_REF_MS (default 3 s).
//
// It is the honest raw limit for work that needs one durable commit per unit:
// nothing is batched, and 8 concurrent committers let Postgres's group commit
// share WAL flushes the way the product's concurrent writers do. It is not a
// limit on rows per second (batched rows go far beyond it) nor on reads.
import type { Database } from "../../server/adapters/postgres/database";
import { startCpuMeter } from "./cpu";
import { knob } from "./knobs";

export const PG_REFERENCE_CONNECTIONS = 8;
export const PG_REFERENCE_DEFINITION = `durable single-row INSERT transactions/s: ${PG_REFERENCE_CONNECTIONS} connections, each one autocommit INSERT of a 300-byte row per round trip`;
/** The short form in each benchmark's JSON line. */
export const PG_REFERENCE_KEY_DEF = "1-row autocommit INSERT, 8 connections";

export interface PgReference {
  txS: number;
  /** Postgres backend CPU per transaction (µs), this run's backends only; null where unreadable. */
  pgCpuUsPerTx: number | null;
  seconds: number;
}

/** Measures pg_tx_s on `db` (whose pool must allow 8 sessions at once). */
export async function measurePgReference(db: Database, ms = knob("BENCH_PG_REF_MS", 3_000, 1_000)): Promise<PgReference> {
  await db.query(`CREATE TABLE IF NOT EXISTS bench_reference (id bigserial PRIMARY KEY, body text NOT NULL)`);
  const body = "x".repeat(300);
  // Hold 8 sessions for the whole measurement: exactly 8 connections, none waiting on the pool.
  let ready = 0;
  let go: () => void = () => {};
  const started = new Promise<void>((resolve) => (go = resolve));
  const run: { meter?: Awaited<ReturnType<typeof startCpuMeter>>; t0: number; deadline: number } = { t0: 0, deadline: 0 };
  const counts = await Promise.all(
    Array.from({ length: PG_REFERENCE_CONNECTIONS }, () =>
      db.withSession(async (s) => {
        await s.query(`INSERT INTO bench_reference (body) VALUES ($1)`, [body]); // warm the connection and the statement
        if (++ready === PG_REFERENCE_CONNECTIONS) {
          run.meter = await startCpuMeter({ databases: [db] });
          run.t0 = performance.now();
          run.deadline = run.t0 + ms;
          go();
        }
        await started;
        let n = 0;
        while (performance.now() < run.deadline) {
          await s.query(`INSERT INTO bench_reference (body) VALUES ($1)`, [body]);
          n++;
        }
        return n;
      }),
    ),
  );
  const seconds = (performance.now() - run.t0) / 1000;
  const cpu = await run.meter!.stop();
  const total = counts.reduce((a, b) => a + b, 0);
  await db.query(`TRUNCATE bench_reference`);
  return { txS: total / seconds, pgCpuUsPerTx: cpu.pgSeconds === null ? null : (cpu.pgSeconds * 1e6) / total, seconds };
}
