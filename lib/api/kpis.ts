// Response schema of GET /api/v1/kpis, safe for the browser: zod only. It
// describes exactly what server/core/kpis/compute-kpis.ts returns (the
// endpoint validates every answer against it).
import { z } from "zod";
import { ZTimestamp } from "./common";

export const KPI_WINDOWS = ["24h", "7d", "30d"] as const;
export const KPI_IDS = ["mttr", "autoHealRate", "falseRollbackRate", "humanInterventionRate", "conflictsPer100", "lockWait", "canarySuccessRate", "auditIntegrity"] as const;

export const ZKpiValue = z
  .object({
    id: z.enum(KPI_IDS),
    label: z.string(),
    description: z.string(),
    unit: z.enum(["seconds", "percent", "per100", "milliseconds"]),
    value: z.number().nullable().meta({ description: "null unless status is MEASURED" }),
    status: z.enum(["MEASURED", "NO_DATA", "NOT_MEASURED"]).meta({ description: "NO_DATA: nothing to compute it from yet; NOT_MEASURED: nothing records it yet" }),
    target: z.object({ comparison: z.enum(["LT", "GT", "EQ", "NONE"]), value: z.number().nullable(), text: z.string() }),
    meets: z.boolean().nullable().meta({ description: "null without a value or a target" }),
    basis: z.string().meta({ description: "What the value was computed from, or why there is none" }),
  })
  .meta({ id: "KpiValue" });

export const ZKpiTrendPoint = z
  .object({
    start: ZTimestamp,
    operations: z.number().int(),
    incidents: z.number().int(),
    mttrSeconds: z.number().nullable(),
    autoHealRatePct: z.number().nullable(),
    humanInterventionRatePct: z.number().nullable(),
    conflictsPer100: z.number().nullable(),
    canarySuccessRatePct: z.number().nullable(),
  })
  .meta({ id: "KpiTrendPoint" });

export const ZKpiReport = z
  .object({
    window: z.enum(KPI_WINDOWS),
    includeDemo: z.boolean().meta({ description: "Whether the self-healing demo's operations and incidents (source DEMO) are counted; false unless the query asked for includeDemo=true" }),
    since: ZTimestamp,
    until: ZTimestamp,
    bucket: z.enum(["hour", "day"]),
    kpis: z.array(ZKpiValue),
    auditIntegrity: z.object({ verdict: z.enum(["VALID", "INVALID", "NEVER"]), at: ZTimestamp.nullable() }),
    trend: z.array(ZKpiTrendPoint).meta({ description: "One point per hour (24h) or day (7d, 30d), oldest first, empty buckets included" }),
  })
  .meta({ id: "KpiReport" });

export type TKpiValue = z.infer<typeof ZKpiValue>;
export type TKpiTrendPoint = z.infer<typeof ZKpiTrendPoint>;
export type TKpiReport = z.infer<typeof ZKpiReport>;
