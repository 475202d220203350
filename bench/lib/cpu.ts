// CPU time of this run's own processes, and nothing else on the machine:
//   - Node: this process (process.cpuUsage), the benchmark's driver included;
//   - Postgres: the backends serving this run's connections. A benchmark works in
//     a database created for it (server/testing/postgres.ts), so those backends are
//     exactly the client backends connected to that database (pg_stat_activity's
//     pids, the pg_backend_pid() of each connection); their user + system time is
//     read from /proc/<pid>/stat. Not counted: the server's shared background
//     processes (WAL writer, checkpointer, autovacuum), which serve every database;
//   - Redis: the server's own used_cpu_user + used_cpu_sys from INFO cpu. Redis
//     executes commands in one process for every client, so this figure includes
//     whatever any other client of the same server did meanwhile.
// A meter is started before a phase and stopped after it. Postgres backends are
// re-listed every second while it runs, so one that exits during the phase still
// counts up to its last reading. A figure is null where it cannot be read (no
// /proc, or the server is on another machine).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import type Redis from "ioredis";
import type { Database } from "../../server/adapters/postgres/database";

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100; // USER_HZ on Linux
  }
})();

/** User + system CPU seconds of process `pid`, or null when it is not (or no longer) readable. */
export function processCpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // "pid (comm) state ppid …": comm may hold spaces, so split after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime (fields 14 and 15 of stat)
}

/** The pids of the client backends connected to `db`'s database (this run's connections, as pg_backend_pid() gives them). */
export async function backendPids(db: Database): Promise<number[]> {
  const rows = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`);
  return rows.map((r) => Number(r.pid));
}

/** Redis's own CPU seconds (INFO cpu: used_cpu_user + used_cpu_sys of the server process). */
export async function redisServerCpuSeconds(client: Redis): Promise<number> {
  const info = await client.info("cpu");
  const num = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? NaN);
  return num("used_cpu_user") + num("used_cpu_sys");
}

export interface CpuReading {
  /** Wall-clock seconds of the phase. */
  seconds: number;
  /** This Node process. */
  nodeSeconds: number;
  /** The Postgres backends of the given databases (null: not readable here). */
  pgSeconds: number | null;
  /** How many distinct backends were counted. */
  pgBackends: number;
  /** The Redis server process, every client's work included (null: no Redis given). */
  redisSeconds: number | null;
}

/** Starts measuring; `stop()` returns what the phase cost. */
export async function startCpuMeter(options: { databases?: Database[]; redis?: Redis } = {}): Promise<{ stop(): Promise<CpuReading> }> {
  const databases = options.databases ?? [];
  // pid → [CPU seconds at its first reading (0 if it appeared after the start), at its last reading]
  const seen = new Map<number, [number, number]>();
  let readable = databases.length > 0;
  const sample = async (first: boolean) => {
    for (const db of databases) {
      for (const pid of await backendPids(db)) {
        const cpu = processCpuSeconds(pid);
        if (cpu === null) {
          if (first) readable = false; // a remote server: its pids are not ours to read
          continue;
        }
        const known = seen.get(pid);
        if (known) known[1] = cpu;
        else seen.set(pid, [first ? cpu : 0, cpu]);
      }
    }
  };
  await sample(true);
  let sampling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(() => sample(false)).catch(() => {});
  }, 1_000);
  const redis0 = options.redis ? await redisServerCpuSeconds(options.redis) : null;
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    async stop() {
      const seconds = (performance.now() - t0) / 1000;
      const node = process.cpuUsage(node0);
      const redis1 = options.redis ? await redisServerCpuSeconds(options.redis) : null;
      clearInterval(timer);
      await sampling;
      await sample(false);
      let pg = 0;
      for (const [start, last] of seen.values()) pg += last - start;
      return {
        seconds,
        nodeSeconds: (node.user + node.system) / 1e6,
        pgSeconds: readable ? pg : null,
        pgBackends: seen.size,
        redisSeconds: redis0 === null || redis1 === null ? null : redis1 - redis0,
      };
    },
  };
}

/** The wording the benchmarks print and the docs repeat. */
export const CPU_BASIS =
  "CPU per unit of work: Node = this benchmark's own process (process.cpuUsage); Postgres = the client backends connected to this run's own database (pids from pg_stat_activity, i.e. each connection's pg_backend_pid(); /proc/<pid>/stat user + system), not the server's shared WAL writer, checkpointer or autovacuum; Redis = the server's INFO cpu (one process; includes any other client's load meanwhile).";
