// The store a command-line script works on, chosen and migrated the way the server does it.
import { databaseConfigFromEnv, openDatabase, type Database } from "../../server/adapters/postgres/database";
import { applyMigrations } from "../../server/adapters/postgres/migrate";
import type { Env } from "../../server/env";

export async function openScriptDatabase(env: Env, options: { busyHint?: string } = {}): Promise<Database> {
  let db: Database;
  try {
    db = await openDatabase({ ...databaseConfigFromEnv(env), ...(env.DATABASE_URL ? { poolSize: 2 } : {}) });
  } catch (error) {
    // The embedded store takes one process at a time: say so instead of a stack trace.
    console.error(`Cannot open the store: ${error instanceof Error ? error.message : String(error)}${options.busyHint ? `\n${options.busyHint}` : ""}`);
    process.exit(1);
  }
  await applyMigrations(db);
  return db;
}
