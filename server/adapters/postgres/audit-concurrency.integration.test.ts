// Writers in several processes append at once: the chain stays one chain.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonlCheckpointSink } from "../audit/checkpoint-file-sink";
import { verifyAuditLog } from "../../core/audit/verify-audit-log";
import { auditFixture } from "../../testing/audit";
import { createTestDatabase, type TestDatabase } from "../../testing/postgres";
import { PrismaAuditStore } from "./audit-store";
import { openDatabase, type Database } from "./database";
import { applyMigrations } from "./migrate";
import { runInTransaction } from "./transactions";

const root = path.resolve(import.meta.dirname, "../../..");
let testDb: TestDatabase;
let db: Database;

function runWriter(env: Record<string, string>, writers: number, perWriter: number): Promise<{ appended: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "server/testing/audit-writer.ts", testDb.url, String(writers), String(perWriter)], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!)) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

async function chainShape() {
  const [row] = await db.withSession((s) =>
    s.query<{ n: number; min: string; max: string; distinct_prev: number }>(`SELECT count(*)::int AS n, min(seq)::text AS min, max(seq)::text AS max, count(DISTINCT prev_hash)::int AS distinct_prev FROM audit_events`),
  );
  const [links] = await db.withSession((s) =>
    s.query<{ broken: number }>(`SELECT count(*)::int AS broken FROM audit_events e JOIN audit_events p ON p.seq = e.seq - 1 WHERE e.prev_hash <> p.hash`),
  );
  return { ...row!, brokenLinks: links!.broken };
}

beforeAll(async () => {
  testDb = await createTestDatabase("audit_concurrency");
  db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 8 });
  await applyMigrations(db);
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe("audit chain under concurrent writers", () => {
  it("2 processes × 8 writers × 1,000 appends: contiguous sequence, no forks, verification valid", async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-audit-conc-"));
    const sinkFile = path.join(dir, "checkpoints.jsonl");
    try {
      const env = { AUDIT_SIGNING_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), AUDIT_CHECKPOINT_FILE: sinkFile };
      const results = await Promise.all([runWriter(env, 8, 1000), runWriter(env, 8, 1000)]);
      expect(results.map((r) => r.appended)).toEqual([8000, 8000]);

      expect(await chainShape()).toEqual({ n: 16000, min: "1", max: "16000", distinct_prev: 16000, brokenLinks: 0 });
      const result = await verifyAuditLog({ store: new PrismaAuditStore(db), sink: new JsonlCheckpointSink(sinkFile), publicKey });
      expect(result).toMatchObject({ valid: true, checked: 16000, lastSeq: 16000 });
      expect(result.checkpoints).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("appends inside concurrent caller transactions queue on the chain lock", async () => {
    await db.withSession((s) => s.exec(`TRUNCATE audit_events, audit_checkpoints`));
    const fx = auditFixture(db);
    try {
      await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          runInTransaction(db, (tx) => fx.log.appendInTransaction(tx, [0, 1, 2].map((j) => ({ category: "STATE_TRANSITION" as const, severity: "INFO" as const, actor: `tx-${i}`, action: "operation.state-changed", payload: { i, j } })))),
        ),
      );
      expect(await chainShape()).toEqual({ n: 48, min: "1", max: "48", distinct_prev: 48, brokenLinks: 0 });
      // Each transaction's three events are contiguous: nobody interleaved inside a held lock.
      const events = (await fx.store.query({ limit: 48 })).events.reverse();
      for (let k = 0; k < 48; k += 3) expect(new Set(events.slice(k, k + 3).map((e) => e.actor)).size).toBe(1);
      expect(await fx.verify()).toMatchObject({ valid: true, checked: 48 });
    } finally {
      await fx.log.settle();
      fx.cleanup();
    }
  });
});
