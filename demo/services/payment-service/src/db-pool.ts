// The payment database's connection pool (postgres_primary): a fixed number of connections, and
// callers queue for one until `acquireTimeoutMs` runs out.

export interface PoolOptions {
  max: number;
  acquireTimeoutMs: number;
}

export interface Connection {
  readonly id: number;
  query(sql: string): Promise<number>;
  release(): void;
}

export class PoolExhaustedError extends Error {
  constructor(readonly max: number, readonly waitedMs: number) {
    super(`connection pool exhausted: all ${max} connections busy for ${waitedMs} ms`);
    this.name = "PoolExhaustedError";
  }
}

export interface Pool {
  acquire(): Promise<Connection>;
  readonly inUse: number;
}

export function createPool(options: PoolOptions): Pool {
  const idle: number[] = Array.from({ length: options.max }, (_, i) => i + 1);
  const waiters: Array<(id: number) => void> = [];
  const lend = (id: number): Connection => ({
    id,
    query: async (sql) => sql.length,
    release: () => {
      const waiter = waiters.shift();
      if (waiter) waiter(id);
      else idle.push(id);
    },
  });
  return {
    get inUse() {
      return options.max - idle.length;
    },
    acquire: () => {
      const id = idle.pop();
      if (id !== undefined) return Promise.resolve(lend(id));
      return new Promise<Connection>((resolve, reject) => {
        const waiter = (granted: number) => {
          clearTimeout(timer);
          resolve(lend(granted));
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new PoolExhaustedError(options.max, options.acquireTimeoutMs));
        }, options.acquireTimeoutMs);
        waiters.push(waiter);
      });
    },
  };
}

export const pool = createPool({ max: 10, acquireTimeoutMs: 200 });

export function getConnection(): Promise<Connection> {
  return pool.acquire();
}

export async function withConnection<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await getConnection();
  try {
    return await work(connection);
  } finally {
    connection.release();
  }
}
