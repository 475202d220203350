// A migrated store for an integration suite: a fresh Postgres database (dropped
// afterwards) or an in-memory PGlite, so one suite runs against both.
import { openDatabase, type Database } from "../adapters/postgres/database";
import { applyMigrations } from "../adapters/postgres/migrate";
import { createTestDatabase } from "./postgres";

export type StoreKind = "postgres" | "pglite";

export interface TestStore {
  db: Database;
  /** The Postgres database's URL (null for PGlite), for a second connection standing in for another process. */
  url: string | null;
  close(): Promise<void>;
}

export async function openTestStore(kind: StoreKind, label: string, options: { poolSize?: number; migrate?: boolean } = {}): Promise<TestStore> {
  let db: Database;
  let drop = async () => {};
  let url: string | null = null;
  if (kind === "postgres") {
    const testDb = await createTestDatabase(label);
    url = testDb.url;
    db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: options.poolSize ?? 4 });
    drop = testDb.drop;
  } else {
    db = await openDatabase({ kind: "pglite", dataDir: null });
  }
  if (options.migrate ?? true) await applyMigrations(db);
  return {
    db,
    url,
    async close() {
      await db.close();
      await drop();
    },
  };
}
