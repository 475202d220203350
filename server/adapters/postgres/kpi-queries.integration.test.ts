// The KPI rows read from the store, and the KPIs computed from them
// (docs/spec/kpis.md#the-kpis), on Postgres and PGlite: the demo's operations
// and incidents (source DEMO) are left out unless includeDemo asks for them,
// and an incident counts as auto-healed only when an automated operation
// linked to it completed by its resolution with no manual step before it.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZKpiReport } from "../../../lib/api/kpis";
import { AuditLog } from "../../core/audit/audit-log";
import { createCheckpointSigner } from "../../core/audit/checkpoint-signing";
import type { Clock } from "../../core/clock";
import { isAppError } from "../../core/errors";
import { getKpis, type KpiReport } from "../../core/kpis/compute-kpis";
import { JsonlCheckpointSink } from "../audit/checkpoint-file-sink";
import { openTestStore, type StoreKind, type TestStore } from "../../testing/stores";
import { PrismaAuditStore } from "./audit-store";
import { PostgresKpiQueries } from "./kpi-queries";

const MIN = 60_000;

describe.each<StoreKind>(["postgres", "pglite"])("KPI queries and the KPIs they give (%s)", (kind) => {
  let store: TestStore;
  let dir = "";
  // Every row is placed relative to `now`, well inside the 24 h window.
  const now = Date.now();
  const ago = (minutes: number) => new Date(now - minutes * MIN).toISOString();
  const sql = (text: string, params: unknown[] = []) => store.db.query(text, params);

  async function incident(key: string, source: "API" | "DEMO" | "ALERTMANAGER", status: string, detectedAgo: number, resolvedAgo: number | null): Promise<string> {
    const id = crypto.randomUUID();
    await sql(
      `INSERT INTO incidents (id, key, service_id, title, status, severity, correlation_id, detected_at, resolved_at, source)
       SELECT $1::uuid, $2, s.id, $2, $3::"IncidentStatus", 'ERROR', 'corr-' || $2, $4::timestamptz, $5::timestamptz, $6::"IncidentSource" FROM services s WHERE s.name = 'payment-service'`,
      [id, key, status, ago(detectedAgo), resolvedAgo === null ? null : ago(resolvedAgo), source],
    );
    return id;
  }

  async function operation(o: { source: string; actorKind: "AUTOMATION" | "HUMAN"; state: string; createdAgo: number; finishedAgo?: number; incidentId?: string }): Promise<string> {
    const id = crypto.randomUUID();
    await sql(
      `INSERT INTO operations (id, type, service_id, actor, actor_kind, correlation_id, params_hash, state, source, incident_id, created_at, updated_at, finished_at)
       SELECT $1::uuid, 'REMEDIATION', s.id, 'someone', $2::"ActorKind", 'corr-op-' || $1, $1, $3::"OperationState", $4, $5::uuid, $6::timestamptz, $6::timestamptz, $7::timestamptz
         FROM services s WHERE s.name = 'payment-service'`,
      [id, o.actorKind, o.state, o.source, o.incidentId ?? null, ago(o.createdAgo), o.finishedAgo === undefined ? null : ago(o.finishedAgo)],
    );
    return id;
  }

  const review = (operationId: string) =>
    sql(`INSERT INTO reviews (id, operation_id, status, requested_by, reason, severity, evidence, evidence_hash) VALUES (gen_random_uuid(), $1::uuid, 'APPROVED', 'system', 'gate', 'HIGH', '{}', 'h')`, [operationId]);
  const conflict = (operationId: string) =>
    sql(
      `INSERT INTO conflicts (id, operation_id, type, severity, action, conflicting_operation_ids, affected_services, blast_radius, explanation, recommendation)
       VALUES (gen_random_uuid(), $1::uuid, 'DIRECT', 'HIGH', 'QUEUE', '{}', '{}', 0.1, 'x', 'y')`,
      [operationId],
    );

  beforeAll(async () => {
    store = await openTestStore(kind, "kpi_queries");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpi-queries-"));
    await sql(`INSERT INTO services (id, name, tier, criticality, team, updated_at) VALUES (gen_random_uuid(), 'payment-service', 1, 'CRITICAL', 'payments', now())`);

    // A: resolved in 600 s by a rule's operation that completed first; a person acted on it only afterwards → auto-healed.
    const a = await incident("A", "ALERTMANAGER", "RESOLVED", 60, 50);
    await operation({ source: "RULE", actorKind: "AUTOMATION", state: "COMPLETED", createdAgo: 58, finishedAgo: 52, incidentId: a });
    // B: resolved in 300 s by automation, but its operation was approved by a person before → a manual step.
    const b = await incident("B", "API", "RESOLVED", 40, 35);
    const bOp = await operation({ source: "RULE", actorKind: "AUTOMATION", state: "COMPLETED", createdAgo: 39, finishedAgo: 36, incidentId: b });
    await review(bOp);
    // C: resolved in 300 s; its automated operation completed only after the resolution → not healed by it.
    const c = await incident("C", "API", "RESOLVED", 30, 25);
    await operation({ source: "RULE", actorKind: "AUTOMATION", state: "COMPLETED", createdAgo: 29, finishedAgo: 24, incidentId: c });
    // D: resolved in 120 s after a person's own operation completed → not automation.
    const d = await incident("D", "API", "RESOLVED", 20, 18);
    await operation({ source: "CONSOLE", actorKind: "HUMAN", state: "COMPLETED", createdAgo: 20, finishedAgo: 19, incidentId: d });
    // F: still open (counts against the auto-heal rate, not in the MTTR).
    await incident("F", "API", "OPEN", 10, null);
    // The demo's: X healed in 60 s by its own automated operation; a second demo operation paused for review with a conflict.
    const x = await incident("X", "DEMO", "RESOLVED", 15, 14);
    await operation({ source: "DEMO", actorKind: "AUTOMATION", state: "COMPLETED", createdAgo: 15, finishedAgo: 14.5, incidentId: x });
    const demoPaused = await operation({ source: "DEMO", actorKind: "AUTOMATION", state: "PAUSED_FOR_HUMAN_REVIEW", createdAgo: 12 });
    await review(demoPaused);
    await conflict(demoPaused);

    // The audit events, through the real log (its clock only moves forward).
    let t = now - 46 * MIN;
    const clock: Clock = { now: () => new Date(t), nowMicros: () => BigInt(t) * 1000n };
    const { privateKey } = crypto.generateKeyPairSync("ed25519");
    const log = new AuditLog({
      store: new PrismaAuditStore(store.db),
      sink: new JsonlCheckpointSink(path.join(dir, "checkpoints.jsonl")),
      signer: createCheckpointSigner(privateKey),
      clock,
      config: { checkpointEvery: 1_000_000, checkpointIntervalMs: 60_000, maxBatch: 500 },
    });
    await log.append({ category: "MANUAL_INTERVENTION", severity: "INFO", actor: "alice", action: "incident.noted", correlationId: "corr-A", payload: {} });
    t = now - 37 * MIN;
    await log.append({ category: "MANUAL_INTERVENTION", severity: "WARNING", actor: "bob", action: "review.approved", correlationId: "corr-B", payload: {} });
    await log.settle();
  });

  afterAll(async () => {
    await store?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const kpis = async (query: Record<string, string>) => {
    const report: KpiReport = await getKpis({ kpis: new PostgresKpiQueries(store.db), lockStatistics: async () => [], now: new Date(now) }, { window: "24h", ...query });
    ZKpiReport.parse(report);
    return { report, k: Object.fromEntries(report.kpis.map((x) => [x.id, x])) };
  };
  const sum = (report: KpiReport, key: "operations" | "incidents") => report.trend.reduce((n, p) => n + p[key], 0);

  it("reads each incident's automation and manual steps", async () => {
    const rows = await new PostgresKpiQueries(store.db).incidents({ since: new Date(now - 24 * 60 * MIN), until: new Date(now), includeDemo: true });
    expect(rows.map((r) => [r.status, r.automationCompleted, r.manualIntervention])).toEqual([
      ["RESOLVED", true, false], // A: the person's event came after the resolution
      ["RESOLVED", true, true], // B
      ["RESOLVED", false, false], // C: its operation finished after the resolution
      ["RESOLVED", false, false], // D: a person's operation
      ["RESOLVED", true, false], // X (demo)
      ["OPEN", false, false], // F
    ]);
  });

  it("leaves the demo out by default: MTTR, auto-heal, operations and the trend count only the other rows", async () => {
    const { report, k } = await kpis({});
    expect(report.includeDemo).toBe(false);
    expect(k.mttr).toMatchObject({ status: "MEASURED", value: 330, basis: "4 resolved incidents detected in the window (demo runs left out)" }); // (600 + 300 + 300 + 120) / 4
    expect(k.autoHealRate).toMatchObject({ value: 20, basis: "1 of 5 incidents resolved by automation with no manual step (demo runs left out)" }); // A of A, B, C, D, F
    expect(k.humanInterventionRate).toMatchObject({ value: 25, basis: "1 of 4 started operations (demo runs left out)" });
    expect(k.conflictsPer100).toMatchObject({ value: 0, basis: "0 conflicts in 4 operations (demo runs left out)" });
    expect([sum(report, "operations"), sum(report, "incidents")]).toEqual([4, 5]);
    expect(await kpis({ includeDemo: "false" })).toEqual({ report, k });
  });

  it("counts the demo's rows with includeDemo=true, and says so", async () => {
    const { report, k } = await kpis({ includeDemo: "true" });
    expect(report.includeDemo).toBe(true);
    expect(k.mttr).toMatchObject({ value: 276, basis: "5 resolved incidents detected in the window (demo runs included)" }); // (1320 + 60) / 5
    expect(k.autoHealRate).toMatchObject({ value: 33.33, basis: "2 of 6 incidents resolved by automation with no manual step (demo runs included)" }); // A and X
    expect(k.humanInterventionRate).toMatchObject({ value: 33.33, basis: "2 of 6 started operations (demo runs included)" });
    expect(k.conflictsPer100).toMatchObject({ value: 16.67, basis: "1 conflict in 6 operations (demo runs included)" });
    expect([sum(report, "operations"), sum(report, "incidents")]).toEqual([6, 6]);
  });

  it("refuses an includeDemo that is not true or false, naming it", async () => {
    const error = await kpis({ includeDemo: "yes" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isAppError(error) && error.code).toBe("VALIDATION_FAILED");
    expect((error as Error).message).toMatch(/includeDemo: must be true or false/);
  });
});
