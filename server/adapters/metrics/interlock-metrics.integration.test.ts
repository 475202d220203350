// Interlock's Prometheus metrics over a real store: rows are written (directly,
// or by the real audit log and orchestrator) and the text exposition is read
// back. The store-derived figures come from cheap sources (reviews for pauses,
// ROLLBACK audit events for executed rollbacks, …); the orchestrator case
// checks them against the expensive truth (full scans of the transitions).
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { JsonlCheckpointSink } from "../audit/checkpoint-file-sink";
import { PrismaAuditStore } from "../postgres/audit-store";
import { PostgresLockStore } from "../postgres/lock-store";
import { AuditLog } from "../../core/audit/audit-log";
import { createCheckpointSigner } from "../../core/audit/checkpoint-signing";
import { verifyAndRecord } from "../../core/audit/verify-and-record";
import type { Clock } from "../../core/clock";
import { CONFLICT_TYPES } from "../../core/conflicts/types";
import { DEFAULT_CONFLICT_POLICY, type ConflictPolicy } from "../../core/conflicts/policy";
import type { ExecutionStatus, OperationExecutor } from "../../core/executors/ports";
import { orchestratorFixture } from "../../testing/orchestrator";
import { openTestStore, type StoreKind, type TestStore } from "../../testing/stores";
import { createInterlockMetrics } from "./interlock-metrics";

/** Every name the alert rules and the KPI correspondence use (docs/operations.md#alerts, docs/spec/kpis.md#the-same-figures-as-prometheus-metrics), and the one added beside hash_chain_valid. */
const SPECIFIED_METRIC_NAMES = [
  "active_locks_total",
  "lock_wait_seconds",
  "lock_age_seconds",
  "conflicts_detected_total",
  "operations_started_total",
  "operations_paused_total",
  "audit_events_total",
  "hash_chain_valid",
  "incident_resolution_seconds",
  "incidents_detected",
  "incidents_auto_resolved",
  "rollbacks_total",
  "rollbacks_incorrect",
  "hash_chain_last_verified_timestamp_seconds",
];

/** The samples of the text exposition, keyed `name{labels}` exactly as printed. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** A clock the test sets; the audit chain needs it never to go backwards. */
function settableClock(start: number) {
  let t = start;
  const clock: Clock = { now: () => new Date(t), nowMicros: () => BigInt(t) * 1000n };
  return {
    clock,
    set(ms: number) {
      expect(ms).toBeGreaterThanOrEqual(t);
      t = ms;
    },
  };
}

describe.each<StoreKind>(["postgres", "pglite"])("Interlock metrics read from the store (%s)", (kind) => {
  let store: TestStore;
  let dir = "";
  const sql = (text: string, params: unknown[] = []) => store.db.query(text, params);

  beforeAll(async () => {
    store = await openTestStore(kind, "interlock_metrics");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-metrics-"));
    await sql(`INSERT INTO services (id, name, tier, criticality, team, updated_at) VALUES (gen_random_uuid(), 'payment-service', 1, 'CRITICAL', 'payments', now())`);
  });
  afterAll(async () => {
    await store?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function operation(type: string, state: string): Promise<string> {
    const id = crypto.randomUUID();
    await sql(
      `INSERT INTO operations (id, type, service_id, actor, actor_kind, correlation_id, params_hash, state, created_at, updated_at)
       SELECT $1::uuid, $2::"OperationType", s.id, 'auto-healer', 'AUTOMATION', 'corr-' || $1, $1, $3::"OperationState", now(), now() FROM services s WHERE s.name = 'payment-service'`,
      [id, type, state],
    );
    return id;
  }
  const review = (operationId: string, status: string) =>
    sql(`INSERT INTO reviews (id, operation_id, status, requested_by, reason, severity, evidence, evidence_hash) VALUES (gen_random_uuid(), $1::uuid, $2::"ReviewStatus", 'system', 'conflict', 'HIGH', '{}', 'h')`, [
      operationId,
      status,
    ]);
  const conflict = (operationId: string, type: string) =>
    sql(
      `INSERT INTO conflicts (id, operation_id, type, severity, action, conflicting_operation_ids, affected_services, blast_radius, explanation, recommendation)
       VALUES (gen_random_uuid(), $1::uuid, $2::"ConflictType", 'HIGH', 'BLOCK', '{}', '{}', 0.2, 'x', 'y')`,
      [operationId, type],
    );
  const incident = (key: string, status: string, detectedAt: number, resolvedAt: number | null) =>
    sql(
      `INSERT INTO incidents (id, key, service_id, title, status, severity, correlation_id, detected_at, resolved_at)
       SELECT gen_random_uuid(), $1, s.id, $1, $2::"IncidentStatus", 'ERROR', 'corr-' || $1, $3::timestamptz, $4::timestamptz FROM services s WHERE s.name = 'payment-service'`,
      [key, status, new Date(detectedAt).toISOString(), resolvedAt === null ? null : new Date(resolvedAt).toISOString()],
    );

  it("exposes every documented name; on an empty store the totals are 0 and the unknowns have no sample", async () => {
    const metrics = createInterlockMetrics({ db: store.db, lockStore: new PostgresLockStore(store.db) });
    const { contentType, body } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of SPECIFIED_METRIC_NAMES) expect(body).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, "m"));
    const s = samples(body);
    for (const name of ["audit_events_total", "operations_started_total", "operations_paused_total", "incidents_detected", "incidents_auto_resolved", "rollbacks_total", "rollbacks_incorrect"]) {
      expect(s.get(name), name).toBe(0);
    }
    for (const type of CONFLICT_TYPES) expect(s.get(`conflicts_detected_total{type="${type}"}`)).toBe(0);
    // Never verified: not "valid", not "tampered"; the timestamp says "never".
    expect(s.has("hash_chain_valid")).toBe(false);
    expect(s.get("hash_chain_last_verified_timestamp_seconds")).toBe(0);
    expect(s.has("incident_resolution_seconds")).toBe(false);
  });

  it("counts operations, pauses, conflicts, rollbacks, incidents, MTTR and audit events, and reports the latest verification", async () => {
    const now = Date.now();
    const minutes = (n: number) => n * 60_000;
    const { clock, set } = settableClock(now - minutes(50));
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
    const auditStore = new PrismaAuditStore(store.db);
    const sink = new JsonlCheckpointSink(path.join(dir, `checkpoints-${kind}.jsonl`));
    // Checkpoints only when asked (the delay is real time, this clock is not).
    const log = new AuditLog({ store: auditStore, sink, signer: createCheckpointSigner(privateKey), clock, config: { checkpointEvery: 1_000_000, checkpointIntervalMs: 60_000, checkpointDelayMs: 3_600_000, maxBatch: 500 } });

    // Operations: one still in INIT; the others left it.
    await operation("DEPLOYMENT", "INIT");
    await operation("DEPLOYMENT", "COMPLETED");
    const paused = await operation("DEPLOYMENT", "PAUSED_FOR_HUMAN_REVIEW");
    await review(paused, "PENDING");
    const approved = await operation("CONFIG_CHANGE", "COMPLETED");
    await review(approved, "APPROVED");
    const blocked = await operation("DEPLOYMENT", "FAILED");
    await conflict(blocked, "DIRECT");
    await conflict(blocked, "DEPENDENCY");
    await conflict(approved, "TIMING");
    // Rollbacks: a canary rolled back, two ROLLBACK operations that ran (their outcome
    // events), one that itself ended ROLLED_BACK (counted once), one cancelled before it ran.
    await operation("DEPLOYMENT", "ROLLED_BACK");
    for (const [state, action] of [
      ["COMPLETED", "rollback.succeeded"],
      ["FAILED", "rollback.failed"],
      ["ROLLED_BACK", "rollback.rolled_back"],
    ] as const) {
      const id = await operation("ROLLBACK", state);
      await log.append({ category: "ROLLBACK", severity: "WARNING", actor: "system", action, operationId: id, service: "payment-service", payload: {} });
    }
    await operation("ROLLBACK", "CANCELLED");

    // Incidents. A: resolved in 300 s, no person involved. B: resolved in 600 s after a review
    // was requested under its correlation id. C: resolved 2 h ago (outside the MTTR hour), no
    // person. D: open. E: resolved in 60 s; a person acted on its correlation id only afterwards.
    await incident("A", "RESOLVED", now - minutes(10), now - minutes(5));
    await incident("B", "RESOLVED", now - minutes(30), now - minutes(20));
    await incident("C", "RESOLVED", now - minutes(180), now - minutes(120));
    await incident("D", "OPEN", now - minutes(3), null);
    await incident("E", "RESOLVED", now - minutes(3), now - minutes(2));
    set(now - minutes(40));
    await log.append({ category: "MANUAL_INTERVENTION", severity: "WARNING", actor: "system", action: "review.requested", correlationId: "corr-B", payload: {} });
    await log.append({ category: "STATE_TRANSITION", severity: "INFO", actor: "system", action: "operation.transition", correlationId: "corr-A", payload: {} });
    set(now - minutes(1));
    await log.append({ category: "MANUAL_INTERVENTION", severity: "WARNING", actor: "alice", action: "operation.cancelled", correlationId: "corr-E", payload: {} });

    const metrics = createInterlockMetrics({ db: store.db, lockStore: new PostgresLockStore(store.db) });
    let s = samples((await metrics.render()).body);
    expect(s.get("operations_started_total")).toBe(9); // 10 operations, one in INIT
    expect(s.get("operations_paused_total")).toBe(2);
    expect(Object.fromEntries(CONFLICT_TYPES.map((t) => [t, s.get(`conflicts_detected_total{type="${t}"}`)]))).toEqual({
      DIRECT: 1,
      DEPENDENCY: 1,
      DOWNSTREAM: 0,
      UPSTREAM: 0,
      SHARED_RESOURCE: 0,
      CASCADE: 0,
      TIMING: 1,
    });
    expect(s.get("rollbacks_total")).toBe(4);
    expect(s.get("rollbacks_incorrect")).toBe(0);
    expect(s.get("incidents_detected")).toBe(5);
    expect(s.get("incidents_auto_resolved")).toBe(3); // A, C, E
    expect(s.get("incident_resolution_seconds")).toBeCloseTo((300 + 600 + 60) / 3, 6); // A, B, E
    expect(s.get("audit_events_total")).toBe(6);
    expect(s.has("hash_chain_valid")).toBe(false);

    // A verification as the product records it: valid. The events are 50 minutes old, so as a server
    // would have, sign them first (an old unsigned tail is missing evidence: docs/spec/audit.md#verification).
    await log.checkpoint();
    set(now);
    expect((await verifyAndRecord({ store: auditStore, sink, publicKey, log, actor: "metrics-test" })).valid).toBe(true);
    s = samples((await metrics.render()).body);
    expect(s.get("hash_chain_valid")).toBe(1);
    expect(s.get("hash_chain_last_verified_timestamp_seconds")).toBeCloseTo(now / 1000, 3);
    expect(s.get("audit_events_total")).toBe(7); // the verdict is itself an event

    // One byte of an event changed, then verified again: the metric follows the newest verdict.
    await sql(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`);
    set(now + 1_000);
    const broken = await verifyAndRecord({ store: auditStore, sink, publicKey, log, actor: "metrics-test" });
    expect(broken).toMatchObject({ valid: false, firstBadSeq: 2 });
    s = samples((await metrics.render()).body);
    expect(s.get("hash_chain_valid")).toBe(0);
    expect(s.get("hash_chain_last_verified_timestamp_seconds")).toBeCloseTo((now + 1_000) / 1000, 3);
    expect(s.get("audit_events_total")).toBe(8);
  });
});

describe("Interlock metrics after real operations (Postgres)", () => {
  let store: TestStore;
  let f: Awaited<ReturnType<typeof orchestratorFixture>> | undefined;
  beforeAll(async () => {
    store = await openTestStore("postgres", "interlock_metrics_orchestrator", { poolSize: 8 });
  });
  afterEach(async () => f?.close());
  afterAll(async () => store?.close());

  const finishing = (status: ExecutionStatus): OperationExecutor => ({ name: `always-${status.toLowerCase()}`, execute: async () => ({ status, summary: status, detail: {} }) });

  it("the cheap sources agree with a full count of the transitions", async () => {
    // Conflicts are recorded but never hold anything up, so the four operations run at once.
    const warnOnly: ConflictPolicy = {
      ...DEFAULT_CONFLICT_POLICY,
      rules: Object.fromEntries(CONFLICT_TYPES.map((t) => [t, { ...DEFAULT_CONFLICT_POLICY.rules[t], action: "WARN" }])) as ConflictPolicy["rules"],
    };
    f = await orchestratorFixture({
      db: store.db,
      locks: "store",
      policy: warnOnly,
      config: { timeScale: 10_000 },
      executors: { ROLLBACK: finishing("SUCCEEDED"), DEPLOYMENT: finishing("ROLLED_BACK"), REMEDIATION: finishing("SUCCEEDED"), CONFIG_CHANGE: finishing("SUCCEEDED") },
    });
    await f.orchestrator.start();
    f.signals.set("pricing-service", { errorBudgetPct: 3.1 }); // its change pauses for review
    const submitted = await Promise.all([
      f.orchestrator.submit({ type: "ROLLBACK", service: "search-service", actor: "auto-healer", actorKind: "AUTOMATION", params: { toVersion: "1.2.0" } }),
      f.orchestrator.submit({ type: "DEPLOYMENT", service: "review-service", actor: "auto-healer", actorKind: "AUTOMATION", params: { version: "2.0.0" } }),
      f.orchestrator.submit({ type: "REMEDIATION", service: "invoice-service", actor: "auto-healer", actorKind: "AUTOMATION", params: { fix: "restart" } }),
      f.orchestrator.submit({ type: "CONFIG_CHANGE", service: "pricing-service", actor: "carol@example.com", params: { key: "discount.max", value: 40 } }),
    ]);
    const ids = submitted.map((s) => s.operation.id);
    await f.waitFor(ids[3]!, (op) => op.state === "PAUSED_FOR_HUMAN_REVIEW");
    await f.orchestrator.decide({ operationId: ids[3]!, decision: "APPROVE", actor: "alice@example.com" });
    const done = await Promise.all(ids.map((id) => f!.waitFor(id)));
    expect(done.map((op) => op.state)).toEqual(["COMPLETED", "ROLLED_BACK", "COMPLETED", "COMPLETED"]);
    await f.audit.log.settle();

    const metrics = createInterlockMetrics({ db: store.db, lockStore: f.lockStore });
    const s = samples((await metrics.render()).body);
    const one = async (text: string) => Number((await store.db.query<{ n: string }>(`SELECT (${text})::text AS n`))[0]!.n);
    expect(s.get("operations_started_total")).toBe(4);
    expect(s.get("operations_started_total")).toBe(await one(`SELECT count(DISTINCT operation_id) FROM operation_transitions WHERE from_state = 'INIT'`));
    expect(s.get("operations_paused_total")).toBe(1);
    expect(s.get("operations_paused_total")).toBe(await one(`SELECT count(*) FROM operation_transitions WHERE to_state = 'PAUSED_FOR_HUMAN_REVIEW'`));
    expect(s.get("rollbacks_total")).toBe(2);
    expect(s.get("rollbacks_total")).toBe(await one(`SELECT count(*) FROM operations WHERE (type = 'ROLLBACK' AND started_at IS NOT NULL) OR state = 'ROLLED_BACK'`));
    const conflicts = CONFLICT_TYPES.reduce((sum, t) => sum + s.get(`conflicts_detected_total{type="${t}"}`)!, 0);
    expect(conflicts).toBe(await one(`SELECT count(*) FROM conflicts`));
    expect(s.get("audit_events_total")).toBe(await one(`SELECT count(*) FROM audit_events`));
    expect(s.get("audit_events_total")).toBeGreaterThan(20);
    // No locks are held once everything finished.
    expect([...s.keys()].some((k) => k.startsWith("active_locks_total{"))).toBe(false);
    expect(f.errors).toEqual([]);
  });
});
