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
  /**
   * One statement, one round trip: on whichever pooled connection is free
   * (Postgres), with no session to check out and give back around it.
   */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /**
   * Calls `onPayload` with each NOTIFY on `channel` until the returned function
   * is called. Resolves once the LISTEN is in force, so anything notified after
   * that arrives. On Postgres the LISTEN lives on one connection of its own
   * (outside the pool, shared by every channel), re-opened when it drops;
   * notifications sent while it is down are lost.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
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
  const listener = new PgListener(url);
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
    query: async <R,>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as R[],
    listen: (channel, onPayload) => listener.listen(channel, onPayload),
    async ping() {
      await pool.query("SELECT 1");
    },
    async close() {
      await listener.close();
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
    query: executor.query,
    // PGlite delivers a NOTIFY to its own listeners at commit, including one sent from inside a function.
    listen: async (channel, onPayload) => {
      const unlisten = await pglite.listen(channel, (payload) => {
        try {
          onPayload(payload);
        } catch {
          // a listener's failure must not surface in whichever query sent the NOTIFY
        }
      });
      let done = false;
      return async () => {
        if (done || pglite.closed) return;
        done = true;
        await unlisten();
      };
    },
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

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const LISTEN_RETRY_MIN_MS = 100;
const LISTEN_RETRY_MAX_MS = 5_000;

/**
 * LISTEN needs a connection that stays open: a pooled one would go back to the
 * pool and lose it. One client serves every channel of a database; it opens
 * with the first listener and ends with the last. If it drops, it reconnects
 * with backoff and listens again; callers are not told, since what they
 * listen for must survive a lost notification anyway.
 */
class PgListener {
  private client: pg.Client | null = null;
  private readonly channels = new Map<string, Set<(payload: string) => void>>();
  // Connects, LISTENs and UNLISTENs run one at a time, so the client's channels match the map.
  private queue: Promise<unknown> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = LISTEN_RETRY_MIN_MS;
  private closed = false;

  constructor(private readonly url: string) {}

  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    // Its own function, so the same callback listening twice is two listeners.
    const entry = (payload: string) => onPayload(payload);
    return this.serial(async () => {
      if (this.closed) throw new Error("the database is closed");
      let callbacks = this.channels.get(channel);
      const added = !callbacks;
      if (!callbacks) this.channels.set(channel, (callbacks = new Set()));
      callbacks.add(entry);
      try {
        if (!this.client) await this.connect();
        else if (added) await this.client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (error) {
        this.remove(channel, entry);
        throw error;
      }
      let done = false;
      return () => {
        if (done) return Promise.resolve();
        done = true;
        return this.serial(() => this.unlisten(channel, entry));
      };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.serial(async () => {
      this.channels.clear();
      await this.disconnect();
    });
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step, step);
    this.queue = run.catch(() => {});
    return run;
  }

  private remove(channel: string, entry: (payload: string) => void): boolean {
    const callbacks = this.channels.get(channel);
    if (!callbacks?.delete(entry) || callbacks.size > 0) return false;
    this.channels.delete(channel);
    return true;
  }

  private async unlisten(channel: string, entry: (payload: string) => void): Promise<void> {
    if (!this.remove(channel, entry)) return;
    if (this.channels.size === 0) return this.disconnect();
    await this.client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000, keepAlive: true });
    client.on("notification", (message) => {
      for (const callback of this.channels.get(message.channel) ?? []) {
        try {
          callback(message.payload ?? "");
        } catch {
          // one listener's failure is not the others' (nor the connection's) problem
        }
      }
    });
    // A dropped connection emits 'error' then 'end'; 'end' is where it is replaced.
    client.on("error", () => {});
    client.on("end", () => this.lost(client));
    try {
      await client.connect();
      const channels = [...this.channels.keys()];
      if (channels.length > 0) await client.query(channels.map((c) => `LISTEN ${quoteIdent(c)}`).join("; "));
    } catch (error) {
      client.removeAllListeners("end");
      await client.end().catch(() => {});
      throw error;
    }
    this.client = client;
    this.retryMs = LISTEN_RETRY_MIN_MS;
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    client.removeAllListeners("end");
    await client.end().catch(() => {});
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer || this.channels.size === 0) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, LISTEN_RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.serial(async () => {
        if (this.closed || this.client || this.channels.size === 0) return;
        await this.connect().catch(() => this.scheduleReconnect());
      });
    }, delay);
    // Reconnecting must not keep an otherwise finished process alive.
    this.retryTimer.unref();
  }
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
