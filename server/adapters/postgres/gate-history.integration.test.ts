// The history the gates read (docs/gates.md), against Postgres and PGlite.
// Operations and incidents are inserted as rows in the states and at the
// times each case needs, relative to a `now` of the test's own; each case
// uses services of its own, and the incident case a `now` no other row is near.
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assessGates } from "../../core/gates/assess-gates";
import { DEFAULT_GATE_CONFIG } from "../../core/gates/gate-config";
import { GATE_HISTORY_WINDOW_MS } from "../../core/gates/ports";
import type { OperationState, OperationType } from "../../core/operations/types";
import { openTestStore, type TestStore } from "../../testing/stores";
import { SimulatedSignalSource } from "../signals/simulated-signal-source";
import { CONSECUTIVE_FAILURES_SCAN, PostgresGateHistory } from "./gate-history";
import { PostgresOperationQueries } from "./operation-queries";
import { PostgresOperationStore } from "./operation-store";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const HOUR = GATE_HISTORY_WINDOW_MS;
const MINUTE = 60_000;
const ago = (ms: number, now = NOW) => new Date(now.getTime() - ms);

interface Row {
  service: string;
  type?: OperationType;
  state: OperationState;
  /** Whether the change ran (entered IN_PROGRESS): started_at is set then. */
  ran: boolean;
  finishedAt: Date | null;
  id?: string;
}

describe.each(["postgres", "pglite"] as const)("PostgresGateHistory on %s", (kind) => {
  let store: TestStore;
  let history: PostgresGateHistory;

  async function service(name: string): Promise<string> {
    await store.db.query(`INSERT INTO services (id, name, tier, criticality, team, updated_at) VALUES ($1::uuid, $2, 2, 'HIGH', 'platform', now())`, [crypto.randomUUID(), name]);
    return name;
  }

  async function operation(row: Row): Promise<string> {
    const id = row.id ?? crypto.randomUUID();
    const finished = row.finishedAt?.toISOString() ?? null;
    const started = row.ran ? new Date((row.finishedAt ?? NOW).getTime() - 30_000).toISOString() : null;
    await store.db.query(
      `INSERT INTO operations (id, type, service_id, actor, actor_kind, correlation_id, params_hash, state, created_at, updated_at, started_at, finished_at)
       SELECT $1::uuid, $2::"OperationType", s.id, 'alice@example.com', 'HUMAN', $3, $4, $5::"OperationState", $6::timestamptz, $6::timestamptz, $7::timestamptz, $8::timestamptz
         FROM services s WHERE s.name = $9`,
      [id, row.type ?? "DEPLOYMENT", `corr-${id}`, crypto.randomUUID(), row.state, ago(2 * HOUR, row.finishedAt ?? NOW).toISOString(), started, finished, row.service],
    );
    return id;
  }

  async function incident(serviceName: string, detectedAt: Date, source = "ALERTMANAGER"): Promise<void> {
    await store.db.query(
      `INSERT INTO incidents (id, key, service_id, title, status, severity, correlation_id, detected_at, source)
       SELECT $1::uuid, $2, s.id, 'unwell', 'OPEN', 'ERROR', $3, $4::timestamptz, $6::"IncidentSource" FROM services s WHERE s.name = $5`,
      [crypto.randomUUID(), `INC-${crypto.randomUUID()}`, `corr-${crypto.randomUUID()}`, detectedAt.toISOString(), serviceName, source],
    );
  }

  const read = (name: string, now = NOW, exclude: string = crypto.randomUUID()) => history.read(name, exclude, now, HOUR);

  beforeAll(async () => {
    store = await openTestStore(kind, "gate_history");
    history = new PostgresGateHistory(store.db);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("knows nothing of a service without history, or of one that does not exist", async () => {
    await service("quiet-service");
    const empty = { failures: 0, consecutiveFailures: 0, incidents: 0, lastChangeFinishedAt: null };
    expect(await read("quiet-service")).toEqual(empty);
    expect(await read("no-such-service")).toEqual(empty);
  });

  it("counts the changes that ran and failed or were rolled back, finished within the hour", async () => {
    const s = await service("failing-service");
    const other = await service("neighbour-service");
    const candidate = crypto.randomUUID();
    // Counted: FAILED and ROLLED_BACK, of any changing type, from the hour's start to `now`, both included.
    await operation({ service: s, state: "FAILED", ran: true, finishedAt: ago(10 * MINUTE) });
    await operation({ service: s, type: "ROLLBACK", state: "ROLLED_BACK", ran: true, finishedAt: ago(30 * MINUTE) });
    await operation({ service: s, type: "REMEDIATION", state: "ROLLED_BACK", ran: true, finishedAt: ago(HOUR) });
    await operation({ service: s, type: "CONFIG_CHANGE", state: "FAILED", ran: true, finishedAt: NOW });
    // Not counted: before the hour, after `now`, refused before it ran, a verification, a success, a cancellation, still running, someone else's, the candidate itself.
    await operation({ service: s, state: "FAILED", ran: true, finishedAt: ago(HOUR + 1) });
    await operation({ service: s, state: "FAILED", ran: true, finishedAt: new Date(NOW.getTime() + 2 * HOUR) });
    await operation({ service: s, state: "FAILED", ran: false, finishedAt: ago(5 * MINUTE) });
    await operation({ service: s, type: "VERIFICATION", state: "FAILED", ran: true, finishedAt: ago(5 * MINUTE) });
    await operation({ service: s, state: "COMPLETED", ran: true, finishedAt: ago(20 * MINUTE) });
    await operation({ service: s, state: "CANCELLED", ran: true, finishedAt: ago(25 * MINUTE) });
    await operation({ service: s, state: "IN_PROGRESS", ran: true, finishedAt: null });
    await operation({ service: other, state: "FAILED", ran: true, finishedAt: ago(5 * MINUTE) });
    await operation({ service: s, state: "FAILED", ran: true, finishedAt: ago(MINUTE), id: candidate });

    const figures = await read(s, NOW, candidate);
    expect(figures.failures).toBe(4);
    // Newest first, however late: +2 h, `now` and -10 min failed, the success at -20 min ends the run.
    expect(figures.consecutiveFailures).toBe(3);
    expect((await read(other)).failures).toBe(1);
    // Not excluded, the candidate counts like any other.
    expect((await read(s, NOW)).failures).toBe(5);
    // Two hours later only the change finished then is within the window.
    expect((await read(s, new Date(NOW.getTime() + 2 * HOUR))).failures).toBe(1);
  });

  it("counts failures in a row, newest first, however old, until a change that ran ended otherwise", async () => {
    const s = await service("streak-service");
    await operation({ service: s, state: "COMPLETED", ran: true, finishedAt: ago(5 * HOUR) });
    await operation({ service: s, state: "FAILED", ran: true, finishedAt: ago(4 * HOUR) });
    await operation({ service: s, state: "CANCELLED", ran: false, finishedAt: ago(3.5 * HOUR) }); // never ran: not part of the run, nor its end
    await operation({ service: s, type: "ROLLBACK", state: "ROLLED_BACK", ran: true, finishedAt: ago(3 * HOUR) });
    await operation({ service: s, type: "VERIFICATION", state: "COMPLETED", ran: true, finishedAt: ago(2.5 * HOUR) }); // reads only: ignored
    await operation({ service: s, state: "FAILED", ran: true, finishedAt: ago(50 * MINUTE) });
    await operation({ service: s, state: "FAILED", ran: false, finishedAt: ago(10 * MINUTE) }); // blocked by a gate: ignored
    expect(await read(s)).toMatchObject({ failures: 1, consecutiveFailures: 3 });

    // A change that ran to completion ends the run; so does one cancelled while it ran.
    await operation({ service: s, state: "COMPLETED", ran: true, finishedAt: ago(5 * MINUTE) });
    expect(await read(s)).toMatchObject({ failures: 1, consecutiveFailures: 0 });
    await operation({ service: s, state: "FAILED", ran: true, finishedAt: ago(3 * MINUTE) });
    expect((await read(s)).consecutiveFailures).toBe(1);
    await operation({ service: s, state: "CANCELLED", ran: true, finishedAt: ago(2 * MINUTE) });
    expect((await read(s)).consecutiveFailures).toBe(0);
  });

  it("reads a very long run as at least the number of changes it looks at", async () => {
    const s = await service("hopeless-service");
    for (let i = 1; i <= CONSECUTIVE_FAILURES_SCAN + 5; i++) await operation({ service: s, state: "FAILED", ran: true, finishedAt: ago(i * HOUR) });
    expect(await read(s)).toMatchObject({ failures: 1, consecutiveFailures: CONSECUTIVE_FAILURES_SCAN });
  });

  it("finds the last change the same way as the operation store: COMPLETED or ROLLED_BACK, not a verification, not the candidate", async () => {
    const s = await service("cooling-service");
    const operations = new PostgresOperationStore(store.db);
    const candidate = crypto.randomUUID();
    await operation({ service: s, state: "COMPLETED", ran: true, finishedAt: ago(3 * HOUR) });
    expect((await read(s, NOW, candidate)).lastChangeFinishedAt).toEqual(ago(3 * HOUR));
    await operation({ service: s, type: "ROLLBACK", state: "ROLLED_BACK", ran: true, finishedAt: ago(2 * HOUR) });
    await operation({ service: s, state: "FAILED", ran: true, finishedAt: ago(MINUTE) });
    await operation({ service: s, type: "VERIFICATION", state: "COMPLETED", ran: true, finishedAt: ago(MINUTE) });
    await operation({ service: s, state: "COMPLETED", ran: true, finishedAt: ago(30_000), id: candidate });
    expect((await read(s, NOW, candidate)).lastChangeFinishedAt).toEqual(ago(2 * HOUR));
    expect(await operations.lastChangeFinishedAt(s, candidate)).toEqual(ago(2 * HOUR));
    expect((await read(s)).lastChangeFinishedAt).toEqual(ago(30_000));
  });

  it("counts the incidents opened within the hour across the estate, the demo's left out", async () => {
    // A `now` of its own: no other case's rows are near it.
    const now = new Date("2031-06-01T08:00:00.000Z");
    const a = await service("incident-a");
    const b = await service("incident-b");
    await incident(a, ago(10 * MINUTE, now));
    await incident(b, ago(59 * MINUTE, now));
    await incident(a, ago(HOUR, now));
    await incident(b, now);
    await incident(b, new Date(now.getTime() + MINUTE)); // after `now`: not yet within its hour
    await incident(a, ago(HOUR + 1, now));
    await incident(b, ago(3 * HOUR, now));
    // The demo's incidents never hold back production's changes.
    await incident(a, ago(5 * MINUTE, now), "DEMO");
    // Estate-wide: the same figure whichever service asks, even one without incidents.
    expect((await read(a, now)).incidents).toBe(4);
    expect((await read(await service("calm-service"), now)).incidents).toBe(4);
    expect((await read(a, ago(2 * HOUR, now))).incidents).toBe(1);
    expect((await read(a, new Date(now.getTime() + HOUR))).incidents).toBe(2);
  });

  it("feeds the gates: three failures in a row stop the next change, and each figure says where it came from", async () => {
    const s = await service("gated-service");
    for (const minutes of [200, 150, 100]) await operation({ service: s, state: "FAILED", ran: true, finishedAt: ago(minutes * MINUTE) });
    await operation({ service: s, state: "ROLLED_BACK", ran: true, finishedAt: ago(10 * MINUTE) });
    const evaluation = await assessGates(
      { gateConfig: async () => DEFAULT_GATE_CONFIG, signals: new SimulatedSignalSource(), history },
      { id: crypto.randomUUID(), type: "DEPLOYMENT", service: s, blastRadiusPct: 5 },
      NOW,
    );
    expect(evaluation.decision).toBe("BLOCK");
    expect(evaluation.failed).toEqual(["RECENT_FAILURES"]);
    expect(evaluation.results.map((r) => [r.gate, r.source, r.observed])).toEqual([
      ["ERROR_BUDGET", "simulated", 0.5],
      ["BLAST_RADIUS", "graph", 5],
      ["RECENT_FAILURES", "store", 1],
      ["COOLDOWN", "store", 600],
      ["RESOURCE_CAPACITY", "simulated", 35],
      ["INCIDENT_RATE", "store", 0],
    ]);
    expect(evaluation.results.find((r) => r.gate === "RECENT_FAILURES")!.reason).toBe(
      "Too many consecutive failures: the last 4 changes to this service failed, more than 2 in a row (1 < 3 in the last hour)",
    );
    expect(evaluation.results.find((r) => r.gate === "ERROR_BUDGET")!.reason).toBe("Error budget within limit: 0.5% <= 2.0% (simulated)");
  });

  it("returns each stored result's source with the operation's detail; a row from before sources were kept has none", async () => {
    const s = await service("detailed-service");
    const id = await operation({ service: s, state: "FAILED", ran: false, finishedAt: NOW });
    for (const [gate, source] of [["ERROR_BUDGET", "simulated"], ["RECENT_FAILURES", "store"], ["COOLDOWN", ""]] as const) {
      await store.db.query(
        `INSERT INTO gate_results (id, operation_id, gate, passed, skipped, observed, threshold, unit, reason, source, checked_at)
         VALUES ($1::uuid, $2::uuid, $3::"SafetyGate", true, false, 1, 2, '%', 'within limit', $4, $5::timestamptz)`,
        [crypto.randomUUID(), id, gate, source, NOW.toISOString()],
      );
    }
    const detail = await new PostgresOperationQueries(store.db).getOperationDetail(id, { auditLimit: 10 });
    expect(detail?.gateResults.map((g) => [g.gate, g.source])).toEqual([
      ["COOLDOWN", null],
      ["ERROR_BUDGET", "simulated"],
      ["RECENT_FAILURES", "store"],
    ]);
  });
});
