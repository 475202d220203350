// The tamper suite: each edit an attacker with write access to the database
// could make is detected, named and located. Every case starts from the same
// 100-event chain with signed checkpoints at 20, 40, 60, 80 and 100.
import crypto from "node:crypto";
import fs from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { canonicalJson, hashedBody, sha256Hex } from "../../core/audit/canonical-hash";
import { createCheckpointSigner } from "../../core/audit/checkpoint-signing";
import type { AuditRecord } from "../../core/audit/types";
import { auditFixture } from "../../testing/audit";
import { createTestDatabase, type TestDatabase } from "../../testing/postgres";
import { openDatabase, type Database } from "./database";
import { applyMigrations } from "./migrate";

let testDb: TestDatabase;
let db: Database;
let fx: ReturnType<typeof auditFixture>;

const sql = (text: string, params: unknown[] = []) => db.withSession((s) => s.query(text, params));

async function readRecords(fromSeq: number): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for await (const record of fx.store.streamRecords(1000)) if (record.seq >= fromSeq) records.push(record);
  return records;
}

/** Rewrites a record's stored fields, canonical text and hash consistently, as a careful attacker would. */
async function rewrite(record: AuditRecord, prevHash: string, change: Partial<AuditRecord>): Promise<string> {
  const fields = { ...record, ...change, prevHash };
  const canonical = canonicalJson(hashedBody(fields));
  const hash = sha256Hex(canonical);
  await sql(`UPDATE audit_events SET actor = $1, payload = $2::jsonb, canonical = $3, prev_hash = $4, hash = $5 WHERE seq = $6`, [
    fields.actor,
    JSON.stringify(fields.payload),
    canonical,
    prevHash,
    hash,
    record.seq,
  ]);
  return hash;
}

beforeAll(async () => {
  testDb = await createTestDatabase("audit_tamper");
  db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 4 });
  await applyMigrations(db);
});
beforeEach(async () => {
  await sql(`TRUNCATE audit_events, audit_checkpoints`);
  fx = auditFixture(db);
  for (let batch = 0; batch < 5; batch++) {
    await fx.log.appendMany(
      Array.from({ length: 20 }, (_, i) => ({
        category: "STATE_TRANSITION" as const,
        severity: "INFO" as const,
        actor: "auto-healer",
        service: "payment-service",
        action: "operation.state-changed",
        payload: { i: batch * 20 + i + 1, to: "IN_PROGRESS" },
      })),
    );
    await fx.log.checkpoint();
  }
  expect(await fx.verify()).toMatchObject({ valid: true, checked: 100, checkpoints: 5 });
});
afterEach(async () => {
  await fx.log.settle();
  fx.cleanup();
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe("audit tamper detection", () => {
  it("one byte of a payload changed in the column queries read", async () => {
    await sql(`UPDATE audit_events SET payload = jsonb_set(payload, '{to}', '"IN_PROGRESs"') WHERE seq = 37`);
    expect(await fx.verify()).toMatchObject({ valid: false, firstBadSeq: 37, kind: "edited" });
  });

  it("one byte of the hashed text changed", async () => {
    await sql(`UPDATE audit_events SET canonical = replace(canonical, 'IN_PROGRESS', 'IN_PROGRESs') WHERE seq = 37`);
    expect(await fx.verify()).toMatchObject({ valid: false, firstBadSeq: 37, kind: "edited" });
  });

  it("the hashed text of one event made unreadable (the store's scan cannot parse it; the records are streamed instead)", async () => {
    await sql(`UPDATE audit_events SET canonical = canonical || '}' WHERE seq = 12`);
    expect(await fx.verify()).toMatchObject({ valid: false, firstBadSeq: 12, kind: "edited", checked: 12 });
  });

  it("one event rewritten and rehashed", async () => {
    const [record] = await readRecords(37);
    await rewrite(record!, record!.prevHash, { actor: "mallory" });
    expect(await fx.verify()).toMatchObject({ valid: false, firstBadSeq: 37, kind: "edited" });
  });

  it("a middle row deleted", async () => {
    await sql(`DELETE FROM audit_events WHERE seq = 50`);
    expect(await fx.verify()).toMatchObject({ valid: false, firstBadSeq: 50, kind: "deleted" });
  });

  it("two rows swapped", async () => {
    await sql(`UPDATE audit_events SET seq = -30 WHERE seq = 30`);
    await sql(`UPDATE audit_events SET seq = 30 WHERE seq = 31`);
    await sql(`UPDATE audit_events SET seq = 31 WHERE seq = -30`);
    expect(await fx.verify()).toMatchObject({ valid: false, firstBadSeq: 30, kind: "reordered" });
  });

  it("the tail cut off", async () => {
    await sql(`DELETE FROM audit_events WHERE seq > 90`);
    const result = await fx.verify();
    expect(result).toMatchObject({ valid: false, firstBadSeq: 91, kind: "truncated", lastSeq: 90 });
    expect(result.detail).toContain("checkpoint records seq 100");
  });

  it("everything after some point rewritten and rehashed: caught against the checkpoint and located between the checkpoints", async () => {
    const records = await readRecords(65);
    let prev = records[0]!.prevHash;
    for (const record of records) prev = await rewrite(record, prev, { actor: "mallory" });
    const result = await fx.verify();
    expect(result).toMatchObject({ valid: false, kind: "edited", firstBadSeq: 61 });
    expect(result.detail).toContain("between seq 61 and 80");
  });

  it("the same rewrite with the table's checkpoints deleted is still caught by the copy outside the database", async () => {
    const records = await readRecords(65);
    let prev = records[0]!.prevHash;
    for (const record of records) prev = await rewrite(record, prev, { actor: "mallory" });
    await sql(`DELETE FROM audit_checkpoints`);
    expect(await fx.verify()).toMatchObject({ valid: false, kind: "edited", firstBadSeq: 61 });
  });

  it("a checkpoint re-signed with another key (forged signature)", async () => {
    const forger = createCheckpointSigner(crypto.generateKeyPairSync("ed25519").privateKey);
    const [row] = await sql(`SELECT hash FROM audit_events WHERE seq = 100`) as { hash: string }[];
    const forged = forger.sign({ seq: 100, hash: row!.hash, count: 100, at: new Date().toISOString() });
    await sql(`UPDATE audit_checkpoints SET key_id = $1, signature = $2 WHERE seq = 100`, [forged.keyId, forged.signature]);
    expect(await fx.verify()).toMatchObject({ valid: false, firstBadSeq: 100, kind: "forged-checkpoint" });
  });

  it("a checkpoint in the file with a signature that does not match its content", async () => {
    const lines = fs.readFileSync(fx.sinkFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    lines[1].hash = "f".repeat(64);
    fs.writeFileSync(fx.sinkFile, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    expect(await fx.verify()).toMatchObject({ valid: false, firstBadSeq: 40, kind: "forged-checkpoint" });
  });
});

describe("recorded verification and statistics", () => {
  it("records each verdict in the log, and the statistics report the latest", async () => {
    const { verifyAndRecord } = await import("../../core/audit/verify-and-record");
    const { auditStatistics } = await import("../../core/audit/audit-statistics");
    const deps = { store: fx.store, sink: fx.sink, publicKey: fx.publicKey, log: fx.log, actor: "sre@example.com" };
    expect((await verifyAndRecord(deps)).valid).toBe(true);
    let stats = await auditStatistics({ store: fx.store, now: new Date() });
    expect(stats).toMatchObject({ total: 101, hashChainValid: true, uniqueActors: 2 });
    expect(stats.byCategory).toEqual({ STATE_TRANSITION: 100, SYSTEM_HEALTH: 1 });

    await sql(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 5`);
    const broken = await verifyAndRecord(deps);
    expect(broken).toMatchObject({ valid: false, firstBadSeq: 5, kind: "edited" });
    stats = await auditStatistics({ store: fx.store, now: new Date() });
    expect(stats.hashChainValid).toBe(false);
    expect(stats.bySeverity.CRITICAL).toBe(1);
  });
});
