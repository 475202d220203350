// The incidents read side against Postgres and PGlite. Nothing writes
// incidents yet, so the rows are inserted here directly; the operations of an
// incident are inserted through the operation store, as a submission would.
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { ZIncidentDetail, ZIncidentPage, ZIncidentSummary } from "../../../lib/api/incidents";
import { isAppError } from "../../core/errors";
import { getIncident, type IncidentDetail } from "../../core/incidents/get-incident";
import { listIncidents, type IncidentPage } from "../../core/incidents/list-incidents";
import type { IncidentSummary } from "../../core/incidents/ports";
import { prepareOperation } from "../../core/operations/submission";
import { encodeCursor } from "../../core/pagination";
import { seedDemoTopology } from "../../core/topology/seed-demo-topology";
import { openTestStore, type TestStore } from "../../testing/stores";
import { PostgresIncidentQueries } from "./incident-queries";
import { PostgresOperationStore } from "./operation-store";
import { PrismaMarkerStore, PrismaTopologyStore } from "./topology-store";

// ── the lib/api schemas describe exactly what the core returns (tsc fails otherwise) ──
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatch: [Same<z.output<typeof ZIncidentSummary>, IncidentSummary>, Same<z.output<typeof ZIncidentPage>, IncidentPage>, Same<z.output<typeof ZIncidentDetail>, IncidentDetail>] = [true, true, true];

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

interface Seeded {
  id: string;
  key: string;
  service: string;
  status: string;
  detectedAt: string;
  correlationId: string;
}

describe.each(["postgres", "pglite"] as const)("incident queries on %s", (kind) => {
  let store: TestStore;
  let deps: { incidents: PostgresIncidentQueries };
  const incidents: Seeded[] = [];
  const operationIds: string[] = [];
  const list = async (input: Record<string, unknown>) => ZIncidentPage.parse(await listIncidents(deps, input));
  const all = async (input: Record<string, unknown> = {}) => (await list({ ...input, limit: 200 })).items;
  const byNewest = (a: Seeded, b: Seeded) => b.detectedAt.localeCompare(a.detectedAt) || b.id.localeCompare(a.id);

  async function insertIncident(i: Omit<Seeded, "id"> & { resolvedAt?: string; approach?: string; summary?: object; severity?: string }): Promise<Seeded> {
    const id = crypto.randomUUID();
    await store.db.query(
      `INSERT INTO incidents (id, key, service_id, title, status, severity, correlation_id, approach, summary, detected_at, resolved_at)
       SELECT $1::uuid, $2, s.id, $3, $4::"IncidentStatus", $5::"AuditSeverity", $6, $7, $8::jsonb, $9::timestamptz, $10::timestamptz FROM services s WHERE s.name = $11`,
      [id, i.key, `${i.service} is unwell`, i.status, i.severity ?? "ERROR", i.correlationId, i.approach ?? null, JSON.stringify(i.summary ?? {}), i.detectedAt, i.resolvedAt ?? null, i.service],
    );
    const seeded = { id, key: i.key, service: i.service, status: i.status, detectedAt: i.detectedAt, correlationId: i.correlationId };
    incidents.push(seeded);
    return seeded;
  }

  beforeAll(async () => {
    store = await openTestStore(kind, "incident_queries", { poolSize: 4 });
    deps = { incidents: new PostgresIncidentQueries(store.db) };
    await seedDemoTopology({ topology: new PrismaTopologyStore(store.db.prisma), markers: new PrismaMarkerStore(store.db.prisma), now: new Date() });
    const services = ["order-service", "payment-service", "search-service"];
    const statuses = ["OPEN", "MITIGATING", "RESOLVED", "ESCALATED", "FAILED"];
    for (let n = 0; n < 12; n++) {
      await insertIncident({
        key: `INC-2026-${String(n + 1).padStart(4, "0")}`,
        service: services[n % 3]!,
        status: statuses[n % 5]!,
        // One a minute, except that the last four share one microsecond: the id breaks the tie.
        detectedAt: n < 8 ? new Date(Date.UTC(2026, 0, 1, 10, n, 0, 250)).toISOString().replace("Z", "123Z") : "2026-01-01T11:00:00.000001Z",
        correlationId: `corr-inc-${n % 4}`,
        ...(n % 5 === 2 ? { resolvedAt: "2026-01-01T12:00:00Z", approach: "rollback" } : {}),
      });
    }
  });
  afterAll(async () => {
    await store?.close();
  });

  it("the response schemas match the core's types", () => {
    expect(schemasMatch.every(Boolean)).toBe(true);
  });

  it("lists incidents most recently detected first, as summaries", async () => {
    const items = await all();
    expect(items.map((i) => i.id)).toEqual([...incidents].sort(byNewest).map((i) => i.id));
    const resolved = items.find((i) => i.key === "INC-2026-0003")!;
    expect(resolved).toMatchObject({ service: "search-service", status: "RESOLVED", severity: "ERROR", approach: "rollback", correlationId: "corr-inc-2", summary: {}, resolvedAt: "2026-01-01T12:00:00.000Z", title: "search-service is unwell" });
    expect(resolved.detectedAt).toBe("2026-01-01T10:02:00.250Z");
  });

  it("pages cover the list exactly, ties on detected_at included", async () => {
    const expected = (await all()).map((i) => i.id);
    for (const limit of [1, 2, 3, 5, 12]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: IncidentPage = await list({ limit: String(limit), ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expected);
    }
  });

  it("filters by status (one or several), service, correlation id and detection time", async () => {
    const idsOf = (items: { id: string }[]) => new Set(items.map((i) => i.id));
    const expect_ = (pred: (i: Seeded) => boolean) => new Set(incidents.filter(pred).map((i) => i.id));
    expect(idsOf(await all({ status: "OPEN" }))).toEqual(expect_((i) => i.status === "OPEN"));
    expect(idsOf(await all({ status: "OPEN,FAILED" }))).toEqual(expect_((i) => i.status === "OPEN" || i.status === "FAILED"));
    expect(idsOf(await all({ status: ["RESOLVED"] }))).toEqual(expect_((i) => i.status === "RESOLVED"));
    expect(idsOf(await all({ service: "payment-service" }))).toEqual(expect_((i) => i.service === "payment-service"));
    expect(idsOf(await all({ correlationId: "corr-inc-1" }))).toEqual(expect_((i) => i.correlationId === "corr-inc-1"));
    expect(idsOf(await all({ since: "2026-01-01T10:03:00Z", until: "2026-01-01T10:05:00.250123Z" }))).toEqual(
      expect_((i) => ["INC-2026-0004", "INC-2026-0005", "INC-2026-0006"].includes(i.key)),
    );
    expect(idsOf(await all({ since: "2026-01-01T11:00:00Z", status: "OPEN,ACKNOWLEDGED,MITIGATING,RESOLVED,ESCALATED,FAILED" }))).toEqual(expect_((i) => i.detectedAt.startsWith("2026-01-01T11:00")));
    expect(await all({ service: "payment-service", status: "RESOLVED" })).toEqual(
      (await all()).filter((i) => i.service === "payment-service" && i.status === "RESOLVED"),
    );
  });

  it("refuses bad queries with VALIDATION_FAILED naming the field", async () => {
    const expectInvalid = async (input: Record<string, unknown>, field: string) => {
      const error = await errorOf(listIncidents(deps, input));
      expect(isAppError(error) && error.code).toBe("VALIDATION_FAILED");
      expect((error as Error).message).toContain(field);
    };
    await expectInvalid({ cursor: "%%%" }, "cursor");
    await expectInvalid({ cursor: encodeCursor("operations", { at: "2026-01-01T00:00:00Z", id: crypto.randomUUID() }) }, "cursor");
    await expectInvalid({ status: "CLOSED" }, "status");
    await expectInvalid({ until: "2026-13-01T00:00:00Z" }, "until");
    await expectInvalid({ limit: 500 }, "limit");
    await expectInvalid({ state: "OPEN" }, "state");
  });

  it("one incident with its stages by start and its operations oldest first", async () => {
    const incident = incidents.find((i) => i.key === "INC-2026-0002")!;
    // Stages inserted out of order.
    const stage = (name: string, startedAt: string, endedAt: string | null, outcome: string | null) =>
      store.db.query(`INSERT INTO incident_stages (id, incident_id, stage, started_at, ended_at, outcome, detail) VALUES ($1::uuid, $2::uuid, $3, $4::timestamptz, $5::timestamptz, $6, $7::jsonb)`, [
        crypto.randomUUID(),
        incident.id,
        name,
        startedAt,
        endedAt,
        outcome,
        JSON.stringify({ note: name }),
      ]);
    await stage("FIX_PLANNING", "2026-01-01T10:03:00Z", null, null);
    await stage("DETECTION", "2026-01-01T10:01:00Z", "2026-01-01T10:01:30Z", "detected");
    await stage("ROOT_CAUSE_ANALYSIS", "2026-01-01T10:02:00Z", "2026-01-01T10:02:45Z", "pool exhausted");
    // Its operations, submitted the way the pipeline would, and one of another incident.
    const ops = new PostgresOperationStore(store.db);
    const other = incidents.find((i) => i.key === "INC-2026-0001")!;
    const base = Date.parse("2026-01-01T10:04:00Z");
    const rows = [
      prepareOperation({ type: "REMEDIATION", service: "payment-service", actor: "auto-healing-bot", actorKind: "AUTOMATION", incidentId: incident.id, params: { fix: "restart" } }, crypto.randomUUID(), new Date(base + 2000)),
      prepareOperation({ type: "VERIFICATION", service: "payment-service", actor: "auto-healing-bot", actorKind: "AUTOMATION", incidentId: incident.id, params: { check: "health" } }, crypto.randomUUID(), new Date(base + 1000)),
      prepareOperation({ type: "DEPLOYMENT", service: "order-service", actor: "alice@example.com", incidentId: other.id, params: { version: "2" } }, crypto.randomUUID(), new Date(base)),
    ];
    const inserted = await ops.transact((tx) => ops.insertOperations(tx, rows));
    expect(inserted.every((r) => r.created)).toBe(true);
    operationIds.push(...rows.map((r) => r.id));

    const detail = ZIncidentDetail.parse(await getIncident(deps, { id: incident.id }));
    expect(detail.incident).toMatchObject({ id: incident.id, key: "INC-2026-0002", service: "payment-service", status: "MITIGATING" });
    expect(detail.stages.map((s) => [s.stage, s.outcome, s.endedAt])).toEqual([
      ["DETECTION", "detected", "2026-01-01T10:01:30.000Z"],
      ["ROOT_CAUSE_ANALYSIS", "pool exhausted", "2026-01-01T10:02:45.000Z"],
      ["FIX_PLANNING", null, null],
    ]);
    expect(detail.stages[0]!.detail).toEqual({ note: "DETECTION" });
    expect(detail.operations.map((o) => o.id)).toEqual([rows[1]!.id, rows[0]!.id]);
    expect(detail.operations[0]).toMatchObject({ type: "VERIFICATION", service: "payment-service", state: "INIT", incidentId: incident.id, actorKind: "AUTOMATION", params: { check: "health" }, createdAt: new Date(base + 1000).toISOString() });
    expect(detail.operationsTruncated).toBe(false);

    const bare = ZIncidentDetail.parse(await getIncident(deps, { id: incidents.find((i) => i.key === "INC-2026-0005")!.id }));
    expect(bare.stages).toEqual([]);
    expect(bare.operations).toEqual([]);
  });

  it("an unknown id is NOT_FOUND, a malformed one VALIDATION_FAILED naming id", async () => {
    const missing = await errorOf(getIncident(deps, { id: crypto.randomUUID() }));
    expect(isAppError(missing) && missing.code).toBe("NOT_FOUND");
    const bad = await errorOf(getIncident(deps, { id: "INC-2026-0001" }));
    expect(isAppError(bad) && bad.code).toBe("VALIDATION_FAILED");
    expect((bad as Error).message).toContain("id");
  });
});
