import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import type { Database, SqlExecutor } from "./database";
import type { Prisma } from "./generated/client";

// A store transaction as the core sees it (opaque) and as the Prisma adapters
// use it (an interactive transaction client).

interface PrismaStoreTransaction extends StoreTransaction {
  readonly prisma: Prisma.TransactionClient;
}

interface RawStoreTransaction extends StoreTransaction {
  readonly sql: SqlExecutor;
}

/**
 * Runs `fn` in one transaction on a raw connection, without Prisma: for the
 * hottest write paths (the orchestrator's group commits), where Prisma's
 * per-statement overhead was a third of the cost. Stores that write through
 * `sqlOf(tx)` (the audit log, the operations) work in either kind.
 */
export function runInRawTransaction<T>(db: Database, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
  return db.withSession((session) => session.transaction((sql) => fn({ __storeTransaction: true, sql } as RawStoreTransaction)));
}

/** Runs `fn` in one Prisma transaction; everything written through `tx` commits together or not at all. */
export function runInTransaction<T>(db: Database, fn: (tx: StoreTransaction, prisma: Prisma.TransactionClient) => Promise<T>, options?: { timeoutMs?: number }): Promise<T> {
  return db.prisma.$transaction((prisma) => fn({ __storeTransaction: true, prisma } as PrismaStoreTransaction, prisma), { timeout: options?.timeoutMs ?? 15_000, maxWait: 10_000 });
}

export function prismaOf(tx: StoreTransaction): Prisma.TransactionClient {
  const prisma = (tx as Partial<PrismaStoreTransaction>).prisma;
  if (!prisma) throw new Error("not a transaction of the Prisma store");
  return prisma;
}

/** Raw SQL inside a Prisma transaction, through the same interface as a raw session. */
export function sqlOf(tx: StoreTransaction): SqlExecutor {
  const raw = (tx as Partial<RawStoreTransaction>).sql;
  if (raw) return raw;
  const prisma = prismaOf(tx);
  return {
    query: <R,>(sql: string, params: unknown[] = []) => prisma.$queryRawUnsafe<R[]>(sql, ...params),
    exec: async (sql: string) => void (await prisma.$executeRawUnsafe(sql)),
  };
}
