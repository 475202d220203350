// The SQL migrations cannot drift from schema.prisma: a database built by
// applying prisma/migrations must have exactly the catalog (tables, columns with
// type, nullability and default, enums, indexes, unique and foreign keys) of a
// database built from schema.prisma by Prisma's own schema engine.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffSchemas } from "../../../scripts/lib/schema-engine";
import { describeCatalog, diffCatalogs } from "../../testing/catalog";
import { createTestDatabase, type TestDatabase } from "../../testing/postgres";
import { openDatabase, type Database } from "./database";
import { applyMigrations } from "./migrate";

const schema = fs.readFileSync(path.resolve(import.meta.dirname, "../../../prisma/schema.prisma"), "utf8");

describe("schema.prisma and prisma/migrations describe the same database (postgres)", () => {
  let migratedDb: TestDatabase;
  let referenceDb: TestDatabase;
  let migrated: Database;
  let reference: Database;

  beforeAll(async () => {
    [migratedDb, referenceDb] = await Promise.all([createTestDatabase("drift_migrated"), createTestDatabase("drift_reference")]);
    migrated = await openDatabase({ kind: "postgres", url: migratedDb.url, poolSize: 2 });
    reference = await openDatabase({ kind: "postgres", url: referenceDb.url, poolSize: 2 });
    await applyMigrations(migrated);
    const sql = await diffSchemas(null, schema);
    await reference.withSession((s) => s.exec(sql));
  });
  afterAll(async () => {
    await migrated?.close();
    await reference?.close();
    await migratedDb?.drop();
    await referenceDb?.drop();
  });

  it("every model, field, type, nullability, unique and index matches", async () => {
    const [fromMigrations, fromSchema] = await Promise.all([migrated.withSession(describeCatalog), reference.withSession(describeCatalog)]);
    expect(fromSchema.length).toBeGreaterThan(100);
    expect(diffCatalogs({ label: "migrations", lines: fromMigrations }, { label: "schema.prisma", lines: fromSchema })).toEqual([]);
  });

  it("the comparison catches drift: a dropped NOT NULL, a missing unique index and an extra column", async () => {
    await migrated.withSession((s) =>
      s.exec(`ALTER TABLE "services" ALTER COLUMN "team" DROP NOT NULL;
              DROP INDEX "audit_events_hash_key";
              ALTER TABLE "operations" ADD COLUMN "note" TEXT;`),
    );
    const [fromMigrations, fromSchema] = await Promise.all([migrated.withSession(describeCatalog), reference.withSession(describeCatalog)]);
    const drift = diffCatalogs({ label: "migrations", lines: fromMigrations }, { label: "schema.prisma", lines: fromSchema });
    expect(drift).toContain('only in migrations: column services.team text NULL default=none');
    expect(drift).toContain('only in schema.prisma: column services.team text NOT NULL default=none');
    expect(drift.some((line) => line.startsWith("only in schema.prisma: index") && line.includes("audit_events_hash_key"))).toBe(true);
    expect(drift.some((line) => line.startsWith("only in migrations: column operations.note"))).toBe(true);
  });
});
