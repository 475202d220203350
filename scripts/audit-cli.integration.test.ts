// The audit command-line tools against a real store: verify, export, verify the export offline.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonlCheckpointSink } from "../server/adapters/audit/checkpoint-file-sink";
import { PrismaAuditStore } from "../server/adapters/postgres/audit-store";
import { openDatabase, type Database } from "../server/adapters/postgres/database";
import { applyMigrations } from "../server/adapters/postgres/migrate";
import { AuditLog } from "../server/core/audit/audit-log";
import { createCheckpointSigner } from "../server/core/audit/checkpoint-signing";
import { systemClock } from "../server/core/clock";
import { createTestDatabase, type TestDatabase } from "../server/testing/postgres";

const root = path.resolve(import.meta.dirname, "..");
let testDb: TestDatabase;
let db: Database;
let dir: string;
let env: Record<string, string>;

function run(script: string, args: string[] = []) {
  return spawnSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", script, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "test", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase("audit_cli");
  db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 2 });
  await applyMigrations(db);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-audit-cli-"));
  const { privateKey } = crypto.generateKeyPairSync("ed25519");
  env = {
    DATABASE_URL: testDb.url,
    INTERLOCK_DATA_DIR: dir,
    AUDIT_SIGNING_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    AUDIT_CHECKPOINT_FILE: path.join(dir, "checkpoints.jsonl"),
  };
  const log = new AuditLog({
    store: new PrismaAuditStore(db),
    sink: new JsonlCheckpointSink(env.AUDIT_CHECKPOINT_FILE!),
    signer: createCheckpointSigner(privateKey),
    clock: systemClock,
    config: { checkpointEvery: 10, checkpointIntervalMs: 60_000, maxBatch: 100 },
  });
  for (let i = 0; i < 40; i++) await log.append({ category: "ROLLBACK", severity: "WARNING", actor: "auto-healer", service: "order-service", action: "rollback.started", payload: { i, note: "naïve — ✓" } });
  await log.settle();
  await log.checkpoint();
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("audit CLI", () => {
  it("verifies the configured store", () => {
    const result = run("scripts/audit-verify.ts");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: true, checked: 40, lastSeq: 40 });
  });

  it("exports JSONL that verifies offline, and catches an edit made to the file", () => {
    const file = path.join(dir, "export.jsonl");
    expect(run("scripts/audit-export.ts", [file]).status).toBe(0);
    const lines = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: "header", format: "interlock-audit-export/1" });
    expect(lines.filter((l) => l.type === "event")).toHaveLength(40);
    expect(lines.filter((l) => l.type === "checkpoint").length).toBeGreaterThan(0);

    const clean = run("scripts/audit-verify.ts", ["--file", file]);
    expect(clean.status).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ valid: true, checked: 40 });

    const tampered = path.join(dir, "tampered.jsonl");
    fs.writeFileSync(tampered, lines.map((l) => JSON.stringify(l.type === "event" && l.seq === 12 ? { ...l, actor: "alice@example.com" } : l)).join("\n"));
    const caught = run("scripts/audit-verify.ts", ["--file", tampered]);
    expect(caught.status).toBe(1);
    expect(JSON.parse(caught.stdout)).toMatchObject({ valid: false, firstBadSeq: 12, kind: "edited" });
    expect(caught.stderr).toContain("AUDIT CHAIN BROKEN");
  });

  it("exits 1 naming the gap when a row is deleted from the store", async () => {
    await db.withSession((s) => s.query(`DELETE FROM audit_events WHERE seq = 7`));
    const result = run("scripts/audit-verify.ts");
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: false, firstBadSeq: 7, kind: "deleted" });
  });
});
