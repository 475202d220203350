import "server-only";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/client";

/** Raw SQL where Prisma's query builder does not fit: migrations, advisory locks, catalog reads. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs a script of several statements (no parameters). */
  exec(sql: string): Promise<void>;
}

/** One connection, held for the duration of a callback (session-level advisory locks need that). */
export interface SqlSession extends SqlExecutor {
  /**
   * Runs `fn` in a transaction. `opening`, a parameterless script, runs right
   * after BEGIN in the same round trip (each of its statements still sees the
   * effects of the ones before), and `fn` receives its last statement's rows.
   */
  transaction<T>(fn: (tx: SqlExecutor, opened: Record<string, unknown>[]) => Promise<T>, opening?: string): Promise<T>;
}

export interface Database {
  readonly kind: "postgres" | "pglite";
  /** Where the data is, for logs and the console, with any password removed. */
  readonly location: string;
  readonly prisma: PrismaClient;
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseConfig =
  | { kind: "postgres"; url: string; poolSize: number }
  | { kind: "pglite"; dataDir: string | null /* null: in memory */ };

/** The store the configuration asks for: Postgres when DATABASE_URL is set, else embedded PGlite on disk. */
export function databaseConfigFromEnv(env: { DATABASE_URL?: string | undefined; DATABASE_POOL_SIZE: number; pgliteDir: string }): DatabaseConfig {
  return env.DATABASE_URL ? { kind: "postgres", url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE } : { kind: "pglite", dataDir: env.pgliteDir };
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return config.kind === "postgres" ? openPostgres(config.url, config.poolSize) : openPglite(config.dataDir);
}

function openPostgres(url: string, poolSize: number): Database {
  // One pool for Prisma and for our raw sessions, so `poolSize` is the real connection budget.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its connection emits 'error' on the pool; unhandled, that kills the process.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const safeUrl = new URL(url);
  safeUrl.password = safeUrl.password ? "***" : "";
  return {
    kind: "postgres",
    location: safeUrl.toString(),
    prisma,
    async withSession(fn) {
      const client = await pool.connect();
      try {
        const executor: SqlExecutor = {
          query: async (sql, params) => (await client.query(sql, params)).rows,
          exec: async (sql) => void (await client.query(sql)),
        };
        return await fn({
          ...executor,
          async transaction(body, opening) {
            const begun = await client.query(opening ? `BEGIN; ${opening}` : "BEGIN");
            const results = Array.isArray(begun) ? begun : [begun];
            try {
              const result = await body(executor, opening ? (results.at(-1)?.rows ?? []) : []);
              await client.query("COMMIT");
              return result;
            } catch (error) {
              await client.query("ROLLBACK").catch(() => {});
              throw error;
            }
          },
        });
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query("SELECT 1");
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string | null): Promise<Database> {
  const releaseLock = dataDir ? claimDataDir(dataDir) : () => {};
  let pglite: PGlite;
  try {
    pglite = dataDir ? new PGlite(dataDir) : new PGlite();
    await pglite.waitReady;
  } catch (error) {
    releaseLock();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  // PGlite is a single connection: the session is the database itself, and
  // its transaction() keeps other queries out until the callback ends.
  const executor: SqlExecutor = {
    query: async <R,>(sql: string, params?: unknown[]) => (await pglite.query<R>(sql, params)).rows,
    exec: async (sql: string) => void (await pglite.exec(sql)),
  };
  return {
    kind: "pglite",
    location: dataDir ?? "memory://",
    prisma,
    withSession: (fn) =>
      fn({
        ...executor,
        transaction: (body, opening) =>
          pglite.transaction(async (tx) => {
            const opened = opening ? ((await tx.exec(opening)).at(-1)?.rows ?? []) : [];
            return body(
              {
                query: async <R,>(sql: string, params?: unknown[]) => (await tx.query<R>(sql, params)).rows,
                exec: async (sql: string) => void (await tx.exec(sql)),
              },
              opened as Record<string, unknown>[],
            );
          }),
      }),
    async ping() {
      await pglite.query("SELECT 1");
    },
    async close() {
      await prisma.$disconnect();
      await pglite.close();
      releaseLock();
    },
  };
}

/**
 * PGlite has no guard of its own against a second process opening the same
 * files, and two writers would corrupt them. A lock file holding the owner's pid
 * refuses a second opener while the first lives; a dead owner's lock is taken over.
 */
export function claimDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, "interlock.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(fs.readFileSync(lockPath, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new Error(
          `the embedded store at ${dataDir} is in use by ${owner === process.pid ? "this process already" : `another Interlock process (pid ${owner})`}; stop it, or use another INTERLOCK_DATA_DIR or a DATABASE_URL`,
        );
      }
      fs.rmSync(lockPath, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`could not take the lock file ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
