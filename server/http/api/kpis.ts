import "server-only";
import { ZKpiReport } from "@/lib/api/kpis";
import { getKpisFor, ZKpisQuery } from "../../core/kpis/compute-kpis";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS } from "./responses";

export const getKpisEndpoint = endpoint({
  operationId: "getKpis",
  method: "GET",
  path: "/api/v1/kpis",
  summary: "The KPIs with their targets and trends (docs/spec/kpis.md)",
  description:
    "MTTR, auto-heal success rate, false rollback rate (not measured yet), human intervention rate, conflicts per 100 operations, mean lock wait (all time, from the lock statistics), canary success rate and audit integrity, over `window` (24h: hourly trend; 7d, 30d: daily). The self-healing demo's operations and incidents (source DEMO) are left out unless `includeDemo=true`; the answer's `includeDemo` and each KPI's basis say which. A KPI with nothing to compute it from is NO_DATA, never a made-up number.",
  tags: ["kpis"],
  access: "VIEWER",
  query: ZKpisQuery,
  responses: { 200: { description: "The KPIs of the window", schema: ZKpiReport }, ...AUTH_ERRORS },
  async handler({ container, query }) {
    const body = await getKpisFor({ kpis: container.queries.kpis, lockStatistics: () => container.locks.store.statistics(), now: container.clock.now() }, query);
    return { status: 200, body };
  },
});
