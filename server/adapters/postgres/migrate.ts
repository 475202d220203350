import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { AppError } from "../../core/errors";
import { openDatabase, type Database, type SqlExecutor } from "./database";

// Applies prisma/migrations/*/migration.sql in name order, each in its own
// transaction together with its row in Prisma's `_prisma_migrations` table (same
// columns and checksum), so `prisma migrate deploy` elsewhere agrees with what we
// applied. Replicas starting together serialise on a Postgres advisory lock: the
// first applies, the others find the rows and skip.

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
  /** Rows in the database with no folder on disk (applied by a newer build). */
  unknown: string[];
}

// "interlock" as a number: the key every replica locks on while migrating.
const MIGRATION_LOCK_KEY = 0x696e746c;

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export function defaultMigrationsDir(): string {
  return path.join(process.cwd(), "prisma", "migrations");
}

// The folder is read at run time, not bundled: the turbopackIgnore comments keep
// Next's file tracing from pulling the whole project into the server output.
export function readMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  if (!fs.existsSync(/*turbopackIgnore: true*/ dir)) throw new AppError("INTERNAL", `Migrations folder not found: ${dir}`);
  return fs
    .readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(/*turbopackIgnore: true*/ path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(/*turbopackIgnore: true*/ path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: crypto.createHash("sha256").update(sql).digest("hex") };
    });
}

export async function applyMigrations(db: Database, migrations: Migration[] = readMigrations()): Promise<MigrationReport> {
  return db.withSession(async (session) => {
    await session.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      // Only when missing: a runtime role without DDL rights (docs/security.md) still checks an up-to-date store.
      const [table] = await session.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
      if (!table?.t) await session.exec(MIGRATIONS_TABLE);
      const rows = await session.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
      );
      const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
      const failed = rows.filter((r) => r.finished_at === null).map((r) => r.migration_name);
      if (failed.length > 0) {
        // Only `prisma migrate` can leave such a row (ours commit or roll back whole): a human must look.
        throw new AppError("INTERNAL", `Migration ${failed[0]} is recorded as started but not finished; resolve it (prisma migrate resolve) before starting`, { failed });
      }
      const report: MigrationReport = { applied: [], alreadyApplied: 0, unknown: [] };
      const onDisk = new Set(migrations.map((m) => m.name));
      report.unknown = [...done.keys()].filter((name) => !onDisk.has(name));
      for (const migration of migrations) {
        const recorded = done.get(migration.name);
        if (recorded !== undefined) {
          if (recorded !== migration.checksum) {
            throw new AppError("INTERNAL", `Migration ${migration.name} was changed after it was applied (checksum differs); add a new migration instead of editing an applied one`, { migration: migration.name });
          }
          report.alreadyApplied++;
          continue;
        }
        await session.transaction((tx) => applyOne(tx, migration));
        report.applied.push(migration.name);
      }
      return report;
    } finally {
      await session.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  });
}

async function applyOne(tx: SqlExecutor, migration: Migration): Promise<void> {
  try {
    await tx.exec(migration.sql);
  } catch (error) {
    // insufficient_privilege: the runtime role, which may not change the schema (docs/security.md#the-audit-chain-against-the-databases-own-users).
    const hint = (error as { code?: string }).code === "42501" ? "; this role may not change the schema: apply migrations as the owner role (DATABASE_MIGRATION_URL, or npm run db:migrate with it set)" : "";
    throw new AppError("INTERNAL", `Migration ${migration.name} failed: ${error instanceof Error ? error.message : String(error)}${hint}`, { migration: migration.name }, { cause: error });
  }
  await tx.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), now(), 1)`,
    [crypto.randomUUID(), migration.checksum, migration.name],
  );
}

/**
 * Applies the migrations as the schema's owner when `migrationUrl` is given
 * (DATABASE_MIGRATION_URL, on a connection of its own, closed afterwards),
 * else on `db` itself as before. Either way `db` is checked afterwards, so a
 * runtime role meets a store that is up to date.
 */
export async function applyMigrationsAs(db: Database, migrationUrl: string | undefined, migrations: Migration[] = readMigrations()): Promise<MigrationReport> {
  if (!migrationUrl) return applyMigrations(db, migrations);
  if (db.kind !== "postgres") throw new AppError("INTERNAL", "DATABASE_MIGRATION_URL needs DATABASE_URL: the embedded store has no database roles");
  const owner = await openDatabase({ kind: "postgres", url: migrationUrl, poolSize: 1 });
  let report: MigrationReport;
  try {
    report = await applyMigrations(owner, migrations);
  } finally {
    await owner.close();
  }
  const check = await applyMigrations(db, migrations);
  return { ...report, unknown: check.unknown };
}
