import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../testing/postgres";
import { claimDataDir, openDatabase, type Database } from "./database";
import { applyMigrations, readMigrations, type Migration } from "./migrate";

const migrations = readMigrations();

async function recorded(db: Database) {
  return db.withSession((s) => s.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(`SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`));
}

describe("readMigrations", () => {
  it("reads prisma/migrations in name order with Prisma's sha256 checksums", () => {
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.name)).toEqual([...migrations.map((m) => m.name)].sort());
    for (const m of migrations) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe.each(["postgres", "pglite"] as const)("applyMigrations on %s", (kind) => {
  let testDb: TestDatabase | undefined;
  let db: Database;

  beforeAll(async () => {
    if (kind === "postgres") {
      testDb = await createTestDatabase("migrate");
      db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 4 });
    } else {
      db = await openDatabase({ kind: "pglite", dataDir: null });
    }
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it("applies every migration once and records it as Prisma does", async () => {
    const first = await applyMigrations(db, migrations);
    expect(first.applied).toEqual(migrations.map((m) => m.name));
    const rows = await recorded(db);
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    expect(rows.map((r) => r.checksum)).toEqual(migrations.map((m) => m.checksum));
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });

  it("is a no-op the second time", async () => {
    const second = await applyMigrations(db, migrations);
    expect(second).toEqual({ applied: [], alreadyApplied: migrations.length, unknown: [] });
    expect(await recorded(db)).toHaveLength(migrations.length);
  });

  it("refuses to start when an applied migration was edited", async () => {
    const edited: Migration[] = migrations.map((m, i) => (i === 0 ? { ...m, checksum: "0".repeat(64) } : m));
    await expect(applyMigrations(db, edited)).rejects.toThrow(/was changed after it was applied/);
  });

  it("rolls a failing migration back whole and records nothing for it", async () => {
    const broken: Migration = { name: "99999999999999_broken", sql: 'CREATE TABLE "half_done" (id int); SELECT no_such_function();', checksum: "f".repeat(64) };
    await expect(applyMigrations(db, [...migrations, broken])).rejects.toThrow(/Migration 99999999999999_broken failed/);
    const tables = await db.withSession((s) => s.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`));
    expect(tables).toHaveLength(0);
    expect((await recorded(db)).map((r) => r.migration_name)).not.toContain(broken.name);
  });

  it("reports rows it does not know (a newer build migrated this store)", async () => {
    const report = await applyMigrations(db, migrations.slice(0, -1));
    expect(report.unknown).toEqual([migrations.at(-1)!.name]);
  });
});

describe("applyMigrations with replicas starting together (postgres)", () => {
  let testDb: TestDatabase;
  const handles: Database[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase("migrate_race");
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close()));
    await testDb.drop();
  });

  it("serialises on the advisory lock: each migration is applied and recorded exactly once", async () => {
    for (let i = 0; i < 4; i++) handles.push(await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 2 }));
    const reports = await Promise.all(handles.map((h) => applyMigrations(h, migrations)));
    const appliedCount = reports.reduce((n, r) => n + r.applied.length, 0);
    expect(appliedCount).toBe(migrations.length);
    expect(await recorded(handles[0]!)).toHaveLength(migrations.length);
  });
});

describe("embedded store on disk", () => {
  it("keeps what it applied across a restart", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-pglite-"));
    try {
      const first = await openDatabase({ kind: "pglite", dataDir: dir });
      expect((await applyMigrations(first, migrations)).applied).toHaveLength(migrations.length);
      await first.close();
      const second = await openDatabase({ kind: "pglite", dataDir: dir });
      expect((await applyMigrations(second, migrations)).alreadyApplied).toBe(migrations.length);
      await second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("embedded store lock", () => {
  it("refuses a second opener of the same data directory while the first is open, and frees it on close", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-lock-"));
    try {
      const first = await openDatabase({ kind: "pglite", dataDir: dir });
      await expect(openDatabase({ kind: "pglite", dataDir: dir })).rejects.toThrow(/is in use by this process already/);
      await first.close();
      const again = await openDatabase({ kind: "pglite", dataDir: dir });
      await again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the other process that holds it, and takes over a lock whose owner is dead", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-lock-"));
    const holder = spawn("sleep", ["30"]);
    try {
      fs.writeFileSync(path.join(dir, "interlock.pid"), String(holder.pid));
      expect(() => claimDataDir(dir)).toThrow(new RegExp(`another Interlock process \\(pid ${holder.pid}\\)`));
      holder.kill("SIGKILL");
      await new Promise((resolve) => holder.once("exit", resolve));
      const release = claimDataDir(dir);
      expect(fs.readFileSync(path.join(dir, "interlock.pid"), "utf8")).toBe(String(process.pid));
      release();
      expect(fs.existsSync(path.join(dir, "interlock.pid"))).toBe(false);
    } finally {
      holder.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
