// What a checkpoint will and will not sign, and what verification calls missing
// evidence (docs/spec/audit.md#checkpoints, #verification), against the attacks of
// someone who holds the database's credentials: a trigger that rewrites new rows
// and relinks the chain, deleted checkpoint files and tables, a deleted tail.
import fs from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../core/audit/audit-log";
import { createCheckpointSigner } from "../../core/audit/checkpoint-signing";
import { VERIFICATION_ACTION } from "../../core/audit/verify-and-record";
import { systemClock } from "../../core/clock";
import { verifyAuditLog } from "../../core/audit/verify-audit-log";
import { JsonlCheckpointSink } from "../audit/checkpoint-file-sink";
import { auditFixture } from "../../testing/audit";
import { createTestDatabase, type TestDatabase } from "../../testing/postgres";
import { openDatabase, type Database } from "./database";
import { applyMigrations } from "./migrate";

let testDb: TestDatabase;
let db: Database;
let fx: ReturnType<typeof auditFixture>;

const sql = <R = Record<string, unknown>>(text: string, params: unknown[] = []) => db.query<R>(text, params);
const event = (i: number) => ({ category: "DEPLOYMENT" as const, severity: "INFO" as const, actor: "deployer", service: "checkout", action: "deploy.step", payload: { i } });
const storedHash = async (seq: number) => (await sql<{ hash: string }>(`SELECT hash FROM audit_events WHERE seq = $1`, [seq]))[0]?.hash;

// What an attacker with the database's credentials installs: every new row gets
// another actor, its canonical text and hash are recomputed and it is linked to
// the stored head, so the chain it leaves is whole and consistent.
const FORGE = `
CREATE FUNCTION forge_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE prev text;
BEGIN
  SELECT hash INTO prev FROM audit_events ORDER BY seq DESC LIMIT 1;
  prev := coalesce(prev, repeat('0', 64));
  NEW.actor := 'mallory';
  NEW.canonical := regexp_replace(NEW.canonical, '"actor":"[^"]*"', '"actor":"mallory"');
  NEW.canonical := regexp_replace(NEW.canonical, '"prevHash":"[0-9a-f]{64}"', '"prevHash":"' || prev || '"');
  NEW.prev_hash := prev;
  NEW.hash := encode(sha256(convert_to(NEW.canonical, 'UTF8')), 'hex');
  RETURN NEW;
END $$;
CREATE TRIGGER forge_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION forge_audit();`;
const UNFORGE = `DROP TRIGGER forge_audit ON audit_events; DROP FUNCTION forge_audit();`;

beforeAll(async () => {
  testDb = await createTestDatabase("audit_checkpoint_guard");
  db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 4 });
  await applyMigrations(db);
});
beforeEach(async () => {
  await sql(`TRUNCATE audit_events, audit_checkpoints`);
  // A delay longer than any test: checkpoints come only when a test asks for one.
  fx = auditFixture(db, { checkpointDelayMs: 3_600_000 });
  for (let i = 1; i <= 10; i++) await fx.log.append(event(i));
  expect(await fx.log.checkpoint()).toMatchObject({ seq: 10 });
});
afterEach(async () => {
  await db.withSession((s) => s.exec(`DROP TRIGGER IF EXISTS forge_audit ON audit_events; DROP FUNCTION IF EXISTS forge_audit()`));
  fx.log.stopCheckpointTimer();
  fx.cleanup();
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe("verify before sign", () => {
  it("a trigger that rewrites new rows and relinks the chain: caught at the next checkpoint, nothing signed over it, invalid even after the trigger is dropped", async () => {
    await db.withSession((s) => s.exec(FORGE));
    for (let i = 11; i <= 15; i++) await fx.log.append(event(i));
    expect((await sql<{ actor: string }>(`SELECT actor FROM audit_events WHERE seq = 11`))[0]!.actor).toBe("mallory");

    expect(await fx.log.checkpoint()).toBeNull();
    // The refusal is in the chain as a CRITICAL verdict (what hash_chain_valid reads), naming the place.
    const [verdict] = (await fx.store.query({ action: VERIFICATION_ACTION, limit: 1 })).events;
    expect(verdict).toMatchObject({ severity: "CRITICAL", payload: { valid: false, firstBadSeq: 11, kind: "edited", scope: "checkpoint" } });

    await db.withSession((s) => s.exec(UNFORGE));
    for (let i = 16; i <= 18; i++) await fx.log.append(event(i));
    expect(await fx.log.checkpoint()).toBeNull();

    // Nothing signed vouches for a forged row: every checkpoint past seq 10 disagrees with what is stored there.
    const signed = await fx.sink.readAll();
    for (const checkpoint of signed.filter((c) => c.seq > 10)) expect(checkpoint.hash).not.toBe(await storedHash(checkpoint.seq));
    expect(await fx.verify()).toMatchObject({ valid: false, firstBadSeq: 11, kind: "edited" });

    // The chain itself is whole: without the checkpoint of what was written at seq 11, it would verify.
    const withoutEvidence = `${fx.sinkFile}.before`;
    fs.writeFileSync(withoutEvidence, signed.filter((c) => c.seq <= 10).map((c) => `${JSON.stringify(c)}\n`).join(""));
    await sql(`DELETE FROM audit_checkpoints WHERE seq > 10`);
    expect(await verifyAuditLog({ store: fx.store, sink: new JsonlCheckpointSink(withoutEvidence), publicKey: fx.publicKey })).toMatchObject({ valid: true });
  });

  it("a restarted process (nothing in memory) still refuses to sign over it", async () => {
    await db.withSession((s) => s.exec(FORGE));
    await fx.log.append(event(11));
    expect(await fx.log.checkpoint()).toBeNull();
    await db.withSession((s) => s.exec(UNFORGE));
    // Another process with the same key and checkpoint file, and nothing in memory.
    const log = new AuditLog({ store: fx.store, sink: fx.sink, signer: createCheckpointSigner(fx.privateKey), clock: systemClock, config: { checkpointEvery: 1000, checkpointIntervalMs: 60_000, maxBatch: 500 } });
    await log.append(event(99));
    expect(await log.checkpoint()).toBeNull();
    log.stopCheckpointTimer();
    expect(await fx.verify()).toMatchObject({ valid: false, firstBadSeq: 11 });
  });

  it("an edited row since the last checkpoint: refused, and signed once it is put back", async () => {
    for (let i = 11; i <= 15; i++) await fx.log.append(event(i));
    await sql(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 12`);
    expect(await fx.log.checkpoint()).toBeNull();
    await sql(`UPDATE audit_events SET actor = 'deployer' WHERE seq = 12`);
    // The refusal holds back further attempts for the interval; an explicit checkpoint goes ahead.
    expect(await fx.log.checkpoint()).toMatchObject({ seq: 16 });
  });
});

describe("missing evidence is invalid", () => {
  it("the checkpoint file deleted while the table has checkpoints", async () => {
    fs.rmSync(fx.sinkFile);
    const result = await fx.verify();
    expect(result).toMatchObject({ valid: false, kind: "missing-checkpoints" });
    expect(result.detail).toContain(`the checkpoint file ${fx.sinkFile} is missing or empty, but the table holds 1 signed checkpoint`);
  });

  it("the file and the table's checkpoints deleted: invalid once the events are older than checkpoints are taken; a brand-new store is valid", async () => {
    fs.rmSync(fx.sinkFile);
    await sql(`DELETE FROM audit_checkpoints`);
    const graceMs = fx.log.unsignedGraceMs;
    // Young events with no checkpoint yet: a new store, before its first checkpoint.
    expect(await verifyAuditLog({ store: fx.store, sink: fx.sink, publicKey: fx.publicKey, unsigned: { now: new Date(), graceMs } })).toMatchObject({ valid: true });
    const later = new Date(Date.now() + graceMs + 60_000);
    const result = await verifyAuditLog({ store: fx.store, sink: fx.sink, publicKey: fx.publicKey, unsigned: { now: later, graceMs } });
    expect(result).toMatchObject({ valid: false, kind: "missing-checkpoints", firstBadSeq: 1 });
    expect(result.detail).toContain("seq 1–10 are covered by no signed checkpoint");
    expect(result.detail).toContain("there is no checkpoint at all");
  });

  it("an unsigned tail older than the grace, after the newest checkpoint", async () => {
    for (let i = 11; i <= 12; i++) await fx.log.append(event(i));
    const later = new Date(Date.now() + fx.log.unsignedGraceMs + 60_000);
    expect(await verifyAuditLog({ store: fx.store, sink: fx.sink, publicKey: fx.publicKey, unsigned: { now: later, graceMs: fx.log.unsignedGraceMs } })).toMatchObject({
      valid: false,
      kind: "missing-checkpoints",
      firstBadSeq: 11,
    });
  });

  it("the tail deleted once it was signed (at most the delay after it was written): truncated", async () => {
    for (let i = 11; i <= 20; i++) await fx.log.append(event(i));
    expect(await fx.log.checkpoint()).toMatchObject({ seq: 20 });
    await sql(`TRUNCATE audit_checkpoints`);
    await sql(`DELETE FROM audit_events WHERE seq > 14`);
    expect(await fx.verify()).toMatchObject({ valid: false, kind: "truncated", firstBadSeq: 15, lastSeq: 14 });
    // And the process that wrote them refuses to sign the shorter chain.
    expect(await fx.log.checkpoint()).toBeNull();
  });
});
