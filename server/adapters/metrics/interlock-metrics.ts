import "server-only";
import { Counter, Gauge, Registry } from "prom-client";
import { VERIFICATION_ACTION } from "../../core/audit/verify-and-record";
import { CONFLICT_TYPES } from "../../core/conflicts/types";
import type { LockMetrics } from "../../core/locks/metrics";
import type { LockStore } from "../../core/locks/ports";
import type { Database } from "../postgres/database";
import { registerLockMetrics } from "./lock-metrics";

// Interlock's Prometheus metrics, named as docs/operations.md#alerts lists them
// and the alert rules use them (deploy/prometheus/interlock-alerts.yml).
//
// Everything here except the lock manager's own counters and histograms is a
// cluster-wide truth read from the store when scraped (prom-client collect()),
// in one statement per scrape, so every replica reports the same figures and a
// restart resets nothing. The totals are counted from rows that are never
// deleted, so they only grow and rate() works on them. Two consequences for
// PromQL: `sum(rate(x)) / sum(rate(y))` across N replicas is exact (N cancels),
// but a bare `sum(rate(x))` is N times the truth; use `max without (instance)`
// (or scrape one replica) for absolute rates.
//
// Cost: no figure scans operations, operation_transitions or audit_events.
// Each is an index probe, a count over a small table (reviews, conflicts,
// incidents) or a count over a short index range, except two that grow with
// history: operations_started_total, an index-only count over the whole state
// index of operations, and incidents_auto_resolved, which reads every
// MANUAL_INTERVENTION event (category index; about one per paused operation).
// Measured on Postgres 15 with 1M operations, 3M audit events, 120k reviews,
// 30k conflicts and 10k incidents: the whole statement 85-175 ms.

/** One row: every store-derived figure of a scrape, read in one snapshot. */
const SNAPSHOT_SQL = `
SELECT
  -- The chain head's seq: seqs are 1, 2, 3, … with no gaps, so this is the number of events (primary key, one probe).
  (SELECT max(e.seq) FROM audit_events e)::float8 AS audit_events,
  -- Operations that ever left INIT (the state machine never returns to INIT). operations_state_idx, index-only.
  (SELECT count(*) FROM operations o WHERE o.state <> 'INIT')::float8 AS operations_started,
  -- Every move into PAUSED_FOR_HUMAN_REVIEW inserts exactly one reviews row in the same statement
  -- (PostgresOperationStore.applyTransitions), so reviews are the pauses: a small table, where
  -- operation_transitions (several rows per operation, no index on to_state) would be a full scan.
  (SELECT count(*) FROM reviews r)::float8 AS operations_paused,
  -- By type: a scan of the conflicts table, which holds a few rows per hundred operations.
  (SELECT coalesce(jsonb_object_agg(c.type, c.n), '{}'::jsonb)
     FROM (SELECT c.type::text AS type, count(*) AS n FROM conflicts c GROUP BY 1) c) AS conflicts,
  -- Incidents are rare (one per detected problem): counting them is cheap.
  (SELECT count(*) FROM incidents i)::float8 AS incidents_detected,
  -- RESOLVED with no MANUAL_INTERVENTION event (review requested, decided or expired, a person
  -- cancelling an operation) under the incident's correlation id at or before its resolution:
  -- one probe of audit_events_correlation_id_seq_idx per resolved incident. Later events do not
  -- change the verdict, so the count never goes down.
  (SELECT count(*) FROM incidents i
    WHERE i.status = 'RESOLVED'
      AND NOT EXISTS (SELECT 1 FROM audit_events e
                       WHERE e.correlation_id = i.correlation_id AND e.category = 'MANUAL_INTERVENTION' AND e.at <= i.resolved_at))::float8 AS incidents_auto_resolved,
  -- Mean time to recovery of the incidents resolved in the last hour; NULL when there were none.
  (SELECT avg(extract(epoch FROM i.resolved_at - i.detected_at)) FROM incidents i
    WHERE i.status = 'RESOLVED' AND i.resolved_at > now() - interval '1 hour')::float8 AS resolution_seconds,
  -- Rollbacks executed: the ROLLBACK audit category (docs/spec/audit.md#categories), one event per rollback:
  -- each ROLLBACK operation that ran writes exactly one (its outcome, rollback.<status>) in the
  -- commit that finishes it, and nothing else writes that category. Counted index-only on
  -- (category, seq); operations has no index on type. (Filtering on the action too would fetch
  -- every rollback's heap row: 130 ms instead of a few at 30k rollbacks.)
  (SELECT count(*) FROM audit_events e WHERE e.category = 'ROLLBACK')::float8 AS rollbacks_executed,
  -- Changes that ended ROLLED_BACK (a canary rolled back, a failure rolled back): operations_state_idx.
  -- ROLLBACK operations are left out here, being counted above.
  (SELECT count(*) FROM operations o WHERE o.state = 'ROLLED_BACK' AND o.type <> 'ROLLBACK')::float8 AS changes_rolled_back,
  -- The verdict of the most recent recorded verification (verifyAndRecord): audit_events_category_seq_idx backwards.
  (SELECT jsonb_build_object('valid', e.payload -> 'valid', 'at', extract(epoch FROM e.at)::float8)
     FROM audit_events e WHERE e.category = 'SYSTEM_HEALTH' AND e.action = $1
    ORDER BY e.seq DESC LIMIT 1) AS last_verification`;

interface SnapshotRow {
  audit_events: number | null;
  operations_started: number;
  operations_paused: number;
  conflicts: Record<string, number> | string;
  incidents_detected: number;
  incidents_auto_resolved: number;
  resolution_seconds: number | null;
  rollbacks_executed: number;
  changes_rolled_back: number;
  last_verification: { valid: unknown; at: number } | string | null;
}

interface StoreSnapshot {
  auditEvents: number;
  operationsStarted: number;
  operationsPaused: number;
  conflictsByType: Record<string, number>;
  incidentsDetected: number;
  incidentsAutoResolved: number;
  /** null: no incident was resolved in the last hour. */
  meanResolutionSeconds: number | null;
  rollbacks: number;
  /** null: the chain has never been verified (and recorded). */
  lastVerification: { valid: boolean; atSeconds: number } | null;
}

const json = <T>(value: T | string): T => (typeof value === "string" ? (JSON.parse(value) as T) : value);

// The statement's estimated cost on a large store crosses jit_above_cost, and
// compiling it took longer (~90 ms) than running it; and a scrape must never
// hold a connection for long, whatever the store's state.
const SNAPSHOT_OPENING = `SET LOCAL jit = off; SET LOCAL statement_timeout = '5s'`;

async function readSnapshot(db: Database): Promise<StoreSnapshot> {
  const [row] = await db.withSession((session) => session.transaction((tx) => tx.query<SnapshotRow>(SNAPSHOT_SQL, [VERIFICATION_ACTION]), SNAPSHOT_OPENING));
  if (!row) throw new Error("the metrics snapshot returned no row");
  const verification = row.last_verification === null ? null : json(row.last_verification);
  return {
    auditEvents: row.audit_events ?? 0,
    operationsStarted: row.operations_started,
    operationsPaused: row.operations_paused,
    conflictsByType: json(row.conflicts),
    incidentsDetected: row.incidents_detected,
    incidentsAutoResolved: row.incidents_auto_resolved,
    meanResolutionSeconds: row.resolution_seconds,
    rollbacks: row.rollbacks_executed + row.changes_rolled_back,
    // A verification event whose payload has no boolean verdict is not a verdict.
    lastVerification: verification && typeof verification.valid === "boolean" ? { valid: verification.valid, atSeconds: verification.at } : null,
  };
}

export interface InterlockMetrics {
  registry: Registry;
  /** The lock manager's per-process counters and histograms: hand to LockManager.start({ metrics }). */
  lockMetrics: LockMetrics;
  /** The text exposition, for GET /api/metrics. Rejects when the store cannot be read (Prometheus then records up == 0). */
  render(): Promise<{ contentType: string; body: string }>;
}

export function createInterlockMetrics(deps: { db: Database; lockStore: LockStore }): InterlockMetrics {
  const registry = new Registry();
  const lockMetrics = registerLockMetrics(registry, deps.lockStore);

  // prom-client collects every metric of a scrape at once: the store-derived
  // ones share one in-flight read, one statement and one consistent snapshot
  // (the lock gauges share one lock-store snapshot of their own).
  let pending: Promise<StoreSnapshot> | null = null;
  const snapshot = () => (pending ??= readSnapshot(deps.db).finally(() => (pending = null)));

  /** A counter whose value is a total read from the store. */
  const storeCounter = (name: string, help: string, read: (s: StoreSnapshot) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      async collect() {
        const value = read(await snapshot());
        this.reset();
        this.inc(value);
      },
    });

  storeCounter("audit_events_total", "Events in the audit chain (the head's sequence number), across every Interlock process", (s) => s.auditEvents);
  storeCounter("operations_started_total", "Operations that ever left INIT, across every Interlock process", (s) => s.operationsStarted);
  storeCounter(
    "operations_paused_total",
    "Times an operation was paused for human review (transitions into PAUSED_FOR_HUMAN_REVIEW, one review each), across every Interlock process",
    (s) => s.operationsPaused,
  );
  new Counter({
    name: "conflicts_detected_total",
    help: "Conflicts recorded by the conflict check, by conflict type, across every Interlock process",
    labelNames: ["type"],
    registers: [registry],
    async collect() {
      const { conflictsByType } = await snapshot();
      this.reset();
      // Every type has a series from the start, so rate() sees the first conflict of a type.
      for (const type of CONFLICT_TYPES) this.inc({ type }, conflictsByType[type] ?? 0);
    },
  });
  storeCounter("incidents_detected", "Incidents detected (rows in incidents), across every Interlock process", (s) => s.incidentsDetected);
  storeCounter(
    "incidents_auto_resolved",
    "Incidents RESOLVED with no MANUAL_INTERVENTION audit event (review requested, decided or expired, a person's cancellation) under their correlation id before resolution",
    (s) => s.incidentsAutoResolved,
  );
  storeCounter("rollbacks_total", "Rollbacks: ROLLBACK operations executed, plus changes of other types that ended ROLLED_BACK", (s) => s.rollbacks);
  // The store cannot tell a needless rollback from a needed one: nothing
  // records whether the rolled-back change was in fact healthy (that would take
  // a post-hoc verdict, e.g. a human marking the rollback as a false positive).
  // Always 0 until such a verdict exists, so HighFalseRollbackRate cannot fire.
  new Counter({ name: "rollbacks_incorrect", help: "Rollbacks later judged unnecessary; always 0: Interlock records no such verdict yet", registers: [registry] });

  new Gauge({
    name: "hash_chain_valid",
    help: "1 if the most recent recorded verification of the audit hash chain found it intact, 0 if it found tampering; absent until a verification has been recorded",
    registers: [registry],
    async collect() {
      const { lastVerification } = await snapshot();
      // With no verification yet, Interlock does not know: reporting 1 would
      // vouch for an unchecked chain and 0 would page "tampered" on every new
      // install. The sample is left out instead, and the timestamp below says 0.
      if (lastVerification) this.set(lastVerification.valid ? 1 : 0);
      else this.remove(); // an unlabelled gauge's one sample
    },
  });
  new Gauge({
    name: "hash_chain_last_verified_timestamp_seconds",
    help: "When the audit hash chain was last verified (Unix seconds); 0 if it never was. Alert on time() minus this to catch verification that stopped running",
    registers: [registry],
    async collect() {
      const { lastVerification } = await snapshot();
      this.set(lastVerification?.atSeconds ?? 0);
    },
  });
  new Gauge({
    name: "incident_resolution_seconds",
    help: "Mean time from detection to resolution of the incidents resolved in the last hour (MTTR); absent when none were",
    registers: [registry],
    async collect() {
      const { meanResolutionSeconds } = await snapshot();
      if (meanResolutionSeconds !== null) this.set(meanResolutionSeconds);
      else this.remove();
    },
  });

  return {
    registry,
    lockMetrics,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
