// The overview's KPIs (docs/spec/kpis.md#the-kpis), computed
// from what the store recorded, each with its documented target. computeKpis is a
// pure aggregation of rows and `now`; getKpis reads the rows through ports.
//
// What each KPI is computed from (the window is [now − window, now]). The
// demo's runs (operations and incidents whose source is DEMO) are left out of
// everything unless `includeDemo` asks for them, and the report says which.
// - MTTR: mean resolved_at − detected_at of the RESOLVED incidents detected in the window.
// - Auto-heal success rate: incidents RESOLVED where an operation linked to the
//   incident, submitted by automation, COMPLETED at or before the resolution, and
//   with no MANUAL_INTERVENTION audit event under their correlation id at or
//   before it (a person's approval or a person resolving it is a manual step)
//   ÷ every incident detected in the window (open ones count against it).
// - False rollback rate: nothing records whether a rollback was needed, so it
//   is "not measured" — never a number.
// - Human intervention rate: operations that paused for review ÷ operations
//   that started (left INIT), both among operations submitted in the window.
// - Conflicts per 100 operations: conflicts recorded ÷ operations submitted × 100.
// - Mean lock wait: the lock store's statistics (total wait ÷ acquisitions,
//   acquisitions that did not wait counting as 0). They are cumulative since the
//   lock store started keeping them and have no timestamps, so this KPI has no
//   window and no trend; the contended share and the mean of contended waits
//   are reported beside it.
// - Canary success rate: operations whose "canary 100%" step PASSED ÷
//   operations that recorded any "canary N%" step (the simulated and webhook
//   executors name traffic steps so).
// - Audit integrity: the verdict of the last recorded chain verification.
import { z } from "zod";
import { parseQuery } from "../pagination";
import type { LockStatistics } from "../locks/ports";
import type { KpiBucket, KpiIncidentRow, KpiLockTotals, KpiOperationBucketRow, KpiQueries, KpiRows } from "./ports";

export const KPI_WINDOWS = ["24h", "7d", "30d"] as const;
export type KpiWindow = (typeof KPI_WINDOWS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const WINDOW_SPEC: Record<KpiWindow, { ms: number; bucket: KpiBucket }> = {
  "24h": { ms: DAY, bucket: "hour" },
  "7d": { ms: 7 * DAY, bucket: "day" },
  "30d": { ms: 30 * DAY, bucket: "day" },
};

export const ZKpisQuery = z.strictObject({
  window: z.enum(KPI_WINDOWS, { message: `must be one of ${KPI_WINDOWS.join(", ")}` }).default("24h"),
  includeDemo: z
    .enum(["true", "false"], { message: "must be true or false" })
    .default("false")
    .describe("true: count the self-healing demo's operations and incidents (source DEMO) too; by default they are left out"),
});

export const KPI_IDS = ["mttr", "autoHealRate", "falseRollbackRate", "humanInterventionRate", "conflictsPer100", "lockWait", "canarySuccessRate", "auditIntegrity"] as const;
export type KpiId = (typeof KPI_IDS)[number];
export type KpiUnit = "seconds" | "percent" | "per100" | "milliseconds";
export type KpiStatus = "MEASURED" | "NO_DATA" | "NOT_MEASURED";

export interface KpiTarget {
  /** LT: the value must stay below `value`; GT: above; EQ: equal; NONE: a baseline with no target. */
  comparison: "LT" | "GT" | "EQ" | "NONE";
  value: number | null;
  /** As docs/spec/kpis.md#the-kpis writes it, e.g. "< 5 min". */
  text: string;
}

export interface KpiValue {
  id: KpiId;
  label: string;
  description: string;
  unit: KpiUnit;
  /** null unless status is MEASURED. */
  value: number | null;
  status: KpiStatus;
  target: KpiTarget;
  /** Whether the value meets the target; null without a value or without a target. */
  meets: boolean | null;
  /** What the value was computed from, in words ("3 of 4 incidents"), or why there is none. */
  basis: string;
}

export interface KpiTrendPoint {
  /** Bucket start (UTC hour or day). */
  start: string;
  operations: number;
  incidents: number;
  mttrSeconds: number | null;
  autoHealRatePct: number | null;
  humanInterventionRatePct: number | null;
  conflictsPer100: number | null;
  canarySuccessRatePct: number | null;
}

export interface KpiReport {
  window: KpiWindow;
  /** Whether the demo's operations and incidents (source DEMO) are counted. */
  includeDemo: boolean;
  since: string;
  until: string;
  bucket: KpiBucket;
  kpis: KpiValue[];
  auditIntegrity: { verdict: "VALID" | "INVALID" | "NEVER"; at: string | null };
  trend: KpiTrendPoint[];
}

/** The start of the UTC hour or day containing `at`. */
export function bucketStartOf(at: Date, bucket: KpiBucket): Date {
  const d = new Date(at.getTime());
  d.setUTCMinutes(0, 0, 0);
  if (bucket === "day") d.setUTCHours(0);
  return d;
}

const pct = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : null);
const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
const round = (value: number | null, digits = 2) => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits);

function meets(value: number | null, target: KpiTarget): boolean | null {
  if (value === null || target.value === null) return null;
  if (target.comparison === "LT") return value < target.value;
  if (target.comparison === "GT") return value > target.value;
  if (target.comparison === "EQ") return value === target.value;
  return null;
}

function kpi(base: Omit<KpiValue, "status" | "meets" | "value">, value: number | null, noDataBasis: string): KpiValue {
  const v = round(value);
  return { ...base, value: v, status: v === null ? "NO_DATA" : "MEASURED", meets: meets(v, base.target), basis: v === null ? noDataBasis : base.basis };
}

function sumBuckets(rows: KpiOperationBucketRow[]) {
  const total = { operations: 0, started: 0, paused: 0, conflicts: 0, canaryStarted: 0, canaryPromoted: 0 };
  for (const r of rows) {
    total.operations += r.operations;
    total.started += r.started;
    total.paused += r.paused;
    total.conflicts += r.conflicts;
    total.canaryStarted += r.canaryStarted;
    total.canaryPromoted += r.canaryPromoted;
  }
  return total;
}

function incidentFigures(incidents: KpiIncidentRow[]) {
  const resolved = incidents.filter((i) => i.status === "RESOLVED" && i.resolvedAt !== null);
  const autoHealed = resolved.filter((i) => i.automationCompleted && !i.manualIntervention);
  const mttr = mean(resolved.map((i) => (i.resolvedAt!.getTime() - i.detectedAt.getTime()) / 1000));
  return { total: incidents.length, resolved: resolved.length, autoHealed: autoHealed.length, mttrSeconds: mttr, autoHealRatePct: pct(autoHealed.length, incidents.length) };
}

/** Sums lock statistics over every lock. */
export function lockTotals(stats: LockStatistics[]): KpiLockTotals {
  return stats.reduce((t, s) => ({ acquisitions: t.acquisitions + s.acquisitions, contentions: t.contentions + s.contentions, totalWaitMs: t.totalWaitMs + s.totalWaitMs }), { acquisitions: 0, contentions: 0, totalWaitMs: 0 });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The KPIs of the window ending at `now`, from the rows the store gave (with or without the demo's, as `includeDemo` says). Pure. */
export function computeKpis(rows: KpiRows, now: Date, window: KpiWindow, includeDemo = false): KpiReport {
  const spec = WINDOW_SPEC[window];
  // Each basis names what was counted: "(demo runs included)" or "(demo runs left out)".
  const scope = includeDemo ? "demo runs included" : "demo runs left out";
  const since = new Date(now.getTime() - spec.ms);
  const ops = sumBuckets(rows.operationBuckets);
  const inc = incidentFigures(rows.incidents);
  const locks = rows.locks;

  const kpis: KpiValue[] = [
    kpi(
      {
        id: "mttr",
        label: "MTTR",
        description: "Mean time to recovery: resolved − detected, over resolved incidents",
        unit: "seconds",
        target: { comparison: "LT", value: 300, text: "< 5 min" },
        basis: `${plural(inc.resolved, "resolved incident")} detected in the window (${scope})`,
      },
      inc.mttrSeconds,
      inc.total ? `${plural(inc.total, "incident")}, none resolved yet (${scope})` : `no incidents in this window (${scope})`,
    ),
    kpi(
      {
        id: "autoHealRate",
        label: "Auto-heal success rate",
        description: "Incidents resolved by an automated operation that completed, with no manual step, ÷ incidents detected",
        unit: "percent",
        target: { comparison: "GT", value: 85, text: "> 85 %" },
        basis: `${inc.autoHealed} of ${plural(inc.total, "incident")} resolved by automation with no manual step (${scope})`,
      },
      inc.autoHealRatePct,
      `no incidents in this window (${scope})`,
    ),
    {
      id: "falseRollbackRate",
      label: "False rollback rate",
      description: "Rollbacks that were not needed ÷ rollbacks",
      unit: "percent",
      value: null,
      status: "NOT_MEASURED",
      target: { comparison: "LT", value: 5, text: "< 5 %" },
      meets: null,
      basis: "Nothing records yet whether a rollback was unnecessary",
    },
    kpi(
      {
        id: "humanInterventionRate",
        label: "Human intervention rate",
        description: "Operations paused for review ÷ operations started",
        unit: "percent",
        target: { comparison: "LT", value: 15, text: "< 15 %" },
        basis: `${ops.paused} of ${plural(ops.started, "started operation")} (${scope})`,
      },
      pct(ops.paused, ops.started),
      `no operations started in this window (${scope})`,
    ),
    kpi(
      {
        id: "conflictsPer100",
        label: "Conflicts per 100 operations",
        description: "Conflicts detected per 100 operations submitted",
        unit: "per100",
        target: { comparison: "NONE", value: null, text: "baseline (no target)" },
        basis: `${plural(ops.conflicts, "conflict")} in ${plural(ops.operations, "operation")} (${scope})`,
      },
      ops.operations > 0 ? (100 * ops.conflicts) / ops.operations : null,
      `no operations in this window (${scope})`,
    ),
    kpi(
      {
        id: "lockWait",
        label: "Mean lock wait",
        description: "Time waiting for a lock per acquisition (all time, from the lock statistics)",
        unit: "milliseconds",
        target: { comparison: "LT", value: 10_000, text: "< 10 s" },
        basis: `${plural(locks.acquisitions, "acquisition")}, ${locks.contentions} waited${locks.contentions ? ` (${Math.round(locks.totalWaitMs / locks.contentions)} ms on average)` : ""}; all time, demo runs included (the lock statistics do not say whose acquisition it was)`,
      },
      locks.acquisitions > 0 ? locks.totalWaitMs / locks.acquisitions : null,
      "no lock acquired yet",
    ),
    kpi(
      {
        id: "canarySuccessRate",
        label: "Canary success rate",
        description: "Canaries promoted to 100 % ÷ canaries started",
        unit: "percent",
        target: { comparison: "GT", value: 90, text: "> 90 %" },
        basis: `${ops.canaryPromoted} of ${ops.canaryStarted} ${ops.canaryStarted === 1 ? "canary" : "canaries"} (${scope})`,
      },
      pct(ops.canaryPromoted, ops.canaryStarted),
      `no canary started in this window (${scope})`,
    ),
    kpi(
      {
        id: "auditIntegrity",
        label: "Audit integrity",
        description: "The last recorded verification of the audit hash chain",
        unit: "percent",
        target: { comparison: "EQ", value: 100, text: "100 % (chain intact)" },
        basis: rows.lastVerification ? `${rows.lastVerification.valid ? "intact" : "TAMPERING FOUND"} at the last verification, ${rows.lastVerification.at.toISOString()}` : "",
      },
      rows.lastVerification ? (rows.lastVerification.valid ? 100 : 0) : null,
      "the chain has never been verified",
    ),
  ];

  // The trend: every bucket of the window, empty ones included (null rates, 0 counts).
  const byBucket = new Map(rows.operationBuckets.map((r) => [bucketStartOf(r.bucketStart, spec.bucket).getTime(), r]));
  const incidentsByBucket = new Map<number, KpiIncidentRow[]>();
  for (const i of rows.incidents) {
    const key = bucketStartOf(i.detectedAt, spec.bucket).getTime();
    incidentsByBucket.set(key, [...(incidentsByBucket.get(key) ?? []), i]);
  }
  const step = spec.bucket === "hour" ? HOUR : DAY;
  const trend: KpiTrendPoint[] = [];
  for (let t = bucketStartOf(since, spec.bucket).getTime(); t <= now.getTime(); t += step) {
    const b = sumBuckets(byBucket.has(t) ? [byBucket.get(t)!] : []);
    const i = incidentFigures(incidentsByBucket.get(t) ?? []);
    trend.push({
      start: new Date(t).toISOString(),
      operations: b.operations,
      incidents: i.total,
      mttrSeconds: round(i.mttrSeconds),
      autoHealRatePct: round(i.autoHealRatePct),
      humanInterventionRatePct: round(pct(b.paused, b.started)),
      conflictsPer100: round(b.operations > 0 ? (100 * b.conflicts) / b.operations : null),
      canarySuccessRatePct: round(pct(b.canaryPromoted, b.canaryStarted)),
    });
  }

  return {
    window,
    includeDemo,
    since: since.toISOString(),
    until: now.toISOString(),
    bucket: spec.bucket,
    kpis,
    auditIntegrity: rows.lastVerification ? { verdict: rows.lastVerification.valid ? "VALID" : "INVALID", at: rows.lastVerification.at.toISOString() } : { verdict: "NEVER", at: null },
    trend,
  };
}

type KpiDeps = { kpis: KpiQueries; lockStatistics: () => Promise<LockStatistics[]>; now: Date };

/** Reads the rows of the window and computes the KPIs, from a query as it arrives (parsed here). */
export async function getKpis(deps: KpiDeps, input: unknown): Promise<KpiReport> {
  return getKpisFor(deps, parseQuery(ZKpisQuery, input, "KPI query"));
}

/** The same from a query already parsed with ZKpisQuery (the API endpoint parses its query once). */
export async function getKpisFor(deps: KpiDeps, query: z.output<typeof ZKpisQuery>): Promise<KpiReport> {
  const { window } = query;
  const includeDemo = query.includeDemo === "true";
  const spec = WINDOW_SPEC[window];
  const since = new Date(deps.now.getTime() - spec.ms);
  const [operationBuckets, incidents, lastVerification, stats] = await Promise.all([
    deps.kpis.operationBuckets({ since, until: deps.now, bucket: spec.bucket, includeDemo }),
    deps.kpis.incidents({ since, until: deps.now, includeDemo }),
    deps.kpis.lastVerification(),
    deps.lockStatistics(),
  ]);
  return computeKpis({ operationBuckets, incidents, lastVerification, locks: lockTotals(stats) }, deps.now, window, includeDemo);
}
