// The least-privilege split (docs/security.md#the-audit-chain-against-the-databases-own-users):
// an owner role migrates, `npm run db:roles` makes the runtime role, and as that
// role Postgres itself refuses to change or delete audit rows and to change the
// schema, while everything the server does with the chain still works.
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import readline from "node:readline";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditFixture } from "../../testing/audit";
import { ADMIN_URL, createTestDatabase, type TestDatabase } from "../../testing/postgres";
import { JsonlCheckpointSink } from "../audit/checkpoint-file-sink";
import { auditRewriteRights } from "./audit-privileges";
import { PrismaAuditStore } from "./audit-store";
import { openDatabase, type Database } from "./database";
import { applyMigrations, applyMigrationsAs, readMigrations } from "./migrate";

const root = path.resolve(import.meta.dirname, "../../..");
const suffix = crypto.randomBytes(3).toString("hex");
const OWNER = `interlock_owner_${suffix}`;
const RUNTIME = `interlock_runtime_${suffix}`;

let testDb: TestDatabase;
let ownerUrl: string;
let runtimeUrl: string;
let owner: Database;
let runtime: Database;

const asAdmin = async (sql: string) => {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
};
const urlAs = (role: string) => {
  const url = new URL(testDb.url);
  url.username = role;
  url.password = "";
  return url.toString();
};
/** The SQLSTATE Postgres answers a statement with, as the runtime role (null when it succeeds). */
const refusal = (sql: string) => runtime.query(sql).then(() => null, (error: { code?: string }) => error.code ?? "?");

beforeAll(async () => {
  testDb = await createTestDatabase("audit_least_privilege");
  // The owner owns the database (so, from Postgres 15, it may create in the public schema as pg_database_owner).
  // CREATEROLE: db:roles creates the runtime role (without it, a DBA creates the role and db:roles only grants).
  await asAdmin(`CREATE ROLE "${OWNER}" LOGIN CREATEROLE`);
  await asAdmin(`ALTER DATABASE "${testDb.name}" OWNER TO "${OWNER}"`);
  ownerUrl = urlAs(OWNER);
  runtimeUrl = urlAs(RUNTIME);
  // The documented path: db:roles, connected as the owner, migrates and creates the runtime role named in DATABASE_URL.
  const roles = spawnSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "scripts/db-roles.ts"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: runtimeUrl, DATABASE_MIGRATION_URL: ownerUrl },
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(roles.stderr).toBe("");
  expect(roles.status).toBe(0);
  expect(roles.stdout).toContain(`created the runtime role ${RUNTIME}`);
  expect(roles.stdout).toContain(`checked as ${RUNTIME}: it cannot change or delete audit events or checkpoints`);
  owner = await openDatabase({ kind: "postgres", url: ownerUrl, poolSize: 2 });
  runtime = await openDatabase({ kind: "postgres", url: runtimeUrl, poolSize: 4 });
}, 180_000);

afterAll(async () => {
  await runtime?.close();
  await owner?.close();
  await testDb?.drop();
  await asAdmin(`DROP ROLE IF EXISTS "${RUNTIME}"`);
  await asAdmin(`DROP ROLE IF EXISTS "${OWNER}"`);
});

describe("the runtime role", () => {
  it("runs the server's audit paths: append, checkpoint (verified first), verify", async () => {
    const fx = auditFixture(runtime);
    try {
      for (let i = 0; i < 30; i++) await fx.log.append({ category: "DEPLOYMENT", severity: "INFO", actor: "deployer", service: "checkout", action: "deploy.step", payload: { i } });
      const checkpoint = await fx.log.checkpoint();
      expect(checkpoint).toMatchObject({ seq: 30 });
      expect(await fx.verify()).toMatchObject({ valid: true, checked: 30, checkpoints: 1 });
      // An up-to-date store is checked without any DDL.
      expect((await applyMigrations(runtime)).applied).toEqual([]);
      expect(await auditRewriteRights(runtime)).toEqual([]);
    } finally {
      await fx.log.settle();
      fx.cleanup();
    }
  });

  it("is refused UPDATE, DELETE and TRUNCATE on audit rows and checkpoints, and any DDL, by Postgres itself", async () => {
    expect(await refusal(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 1`)).toBe("42501");
    expect(await refusal(`DELETE FROM audit_events WHERE seq = 1`)).toBe("42501");
    expect(await refusal(`TRUNCATE audit_events`)).toBe("42501");
    expect(await refusal(`UPDATE audit_checkpoints SET hash = 'x'`)).toBe("42501");
    expect(await refusal(`DELETE FROM audit_checkpoints`)).toBe("42501");
    expect(await refusal(`CREATE TABLE shadow (x int)`)).toBe("42501");
    expect(await refusal(`ALTER TABLE audit_events DISABLE TRIGGER ALL`)).toBe("42501");
    expect(await refusal(`DROP TABLE audit_checkpoints`)).toBe("42501");
    expect(await refusal(`CREATE FUNCTION forge() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`)).toBe("42501");
    expect(await refusal(`DELETE FROM "_prisma_migrations"`)).toBe("42501");
    // The owner is told it could (the server warns at start-up when it runs as such a role).
    expect((await auditRewriteRights(owner)).join("; ")).toContain(`the role ${OWNER} owns audit_events`);
  });

  it("keeps read-write on the working tables, including tables a later migration adds (default privileges)", async () => {
    expect(await refusal(`UPDATE operations SET updated_at = updated_at WHERE false`)).toBeNull();
    expect(await refusal(`DELETE FROM lock_leases WHERE false`)).toBeNull();
    const later = { name: "29990101000000_probe", sql: `CREATE TABLE "probe" ("id" BIGSERIAL PRIMARY KEY, "note" TEXT)`, checksum: "probe" };
    // As the server does at start-up with DATABASE_MIGRATION_URL: the owner migrates, then the runtime role checks.
    const report = await applyMigrationsAs(runtime, ownerUrl, [...readMigrations(), later]);
    expect(report.applied).toEqual([later.name]);
    expect(await refusal(`INSERT INTO probe (note) VALUES ('works')`)).toBeNull();
    expect(await refusal(`UPDATE probe SET note = 'changed'`)).toBeNull();
    // The runtime role alone cannot apply it (and says what to do).
    await expect(applyMigrations(runtime, [{ name: "29990101000001_probe", sql: `CREATE TABLE "probe2" (x int)`, checksum: "probe2" }])).rejects.toThrow(/DATABASE_MIGRATION_URL/);
  });
});

describe("a server on the runtime role (DATABASE_MIGRATION_URL for migrations)", () => {
  it("starts without warnings about its role, appends, and on SIGTERM signs everything before it exits", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-graceful-"));
    const sinkFile = path.join(dir, "checkpoints", "audit.jsonl");
    try {
      const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "--import", "./server/testing/next-auth-interop.mjs", "server/adapters/postgres/audit-graceful-stop-server.ts"], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          NODE_ENV: "production",
          DATABASE_URL: runtimeUrl,
          DATABASE_MIGRATION_URL: ownerUrl,
          DATABASE_POOL_SIZE: "4",
          INTERLOCK_DATA_DIR: path.join(dir, "data"),
          AUDIT_CHECKPOINT_FILE: sinkFile,
          // Neither the delay nor the sweep comes before the stop: only the stop can sign these events.
          AUDIT_CHECKPOINT_DELAY_SECONDS: "3600",
          AUDIT_CHECKPOINT_INTERVAL_SECONDS: "3600",
          AUDIT_VERIFY_INTERVAL_MINUTES: "0",
          AUTH_SECRET: "s".repeat(48),
          AUTH_URL: "https://interlock.example.com",
          INTERLOCK_SEED_DEMO: "false",
          ORCHESTRATOR_WORKER: "false",
          GRACEFUL_STOP_EVENTS: "12",
          LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const output: string[] = [];
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
      const ready = await new Promise<{ head: { seq: number; hash: string } } | null>((resolve) => {
        readline.createInterface({ input: child.stdout! }).on("line", (line) => {
          output.push(line);
          if (line.includes('"ready":true')) resolve(JSON.parse(line) as { head: { seq: number; hash: string } });
        });
        void exited.then(() => resolve(null));
      });
      expect(ready, `the server did not start:\n${output.join("\n")}\n${stderr}`).not.toBeNull();
      // The start signed what came before (the interlock.started event); the 12 appended since are unsigned.
      const before = new JsonlCheckpointSink(sinkFile);
      expect((await before.readAll()).at(-1)!.seq).toBeLessThan(ready!.head.seq);

      child.kill("SIGTERM");
      expect(await exited).toEqual({ code: 0, signal: null });
      const store = new PrismaAuditStore(runtime);
      const head = (await store.head())!;
      const last = (await before.readAll()).at(-1)!;
      expect(last, `${output.join("\n")}\n${stderr}`).toMatchObject({ seq: head.seq, hash: head.hash });
      expect(await store.latestCheckpoint()).toMatchObject({ seq: head.seq, hash: head.hash });
      // It ran as the runtime role, so it had nothing to warn about its rights.
      expect(output.join("\n")).not.toContain("can rewrite the audit chain");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
