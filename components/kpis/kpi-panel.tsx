"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Area, AreaChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { apiFetch, qs } from "@/lib/api/client";
import { KPI_WINDOWS, type TKpiReport, type TKpiTrendPoint, type TKpiValue } from "@/lib/api/kpis";
import { queryKeys } from "@/lib/api/query-keys";
import { formatTime } from "@/lib/format";
import { ErrorBox, formatDuration, Loading } from "./query-states";

type Window = (typeof KPI_WINDOWS)[number];
const WINDOW_LABEL: Record<Window, string> = { "24h": "Last 24 h", "7d": "Last 7 days", "30d": "Last 30 days" };

function formatValue(k: TKpiValue): string {
  if (k.value === null) return "";
  switch (k.unit) {
    case "seconds":
      return formatDuration(k.value);
    case "milliseconds":
      return k.value < 1000 ? `${Math.round(k.value)} ms` : formatDuration(k.value / 1000);
    case "percent":
      return `${k.value} %`;
    case "per100":
      return String(k.value);
  }
}

function Verdict({ k }: { k: TKpiValue }) {
  if (k.status === "NOT_MEASURED") return <span className="shrink-0 whitespace-nowrap rounded bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600">not measured yet</span>;
  if (k.status === "NO_DATA") return <span className="shrink-0 whitespace-nowrap rounded bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600">no data yet</span>;
  if (k.meets === null) return <span className="shrink-0 whitespace-nowrap rounded bg-sky-100 px-2 py-0.5 text-xs font-medium text-sky-800">baseline</span>;
  return k.meets ? (
    <span className="shrink-0 whitespace-nowrap rounded bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800">meets target</span>
  ) : (
    <span className="shrink-0 whitespace-nowrap rounded bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800">misses target</span>
  );
}

function KpiCard({ k, report }: { k: TKpiValue; report: TKpiReport }) {
  const audit = k.id === "auditIntegrity";
  const shown =
    k.status === "NOT_MEASURED"
      ? "Not measured yet"
      : k.status === "NO_DATA"
        ? "No data yet"
        : audit
          ? report.auditIntegrity.verdict === "VALID"
            ? "Intact"
            : "Tampering found"
          : formatValue(k);
  const border = k.meets === false ? "border-red-300" : k.meets === true ? "border-emerald-300" : "border-slate-200";
  return (
    <li className={`flex flex-col gap-1 rounded-lg border ${border} bg-white p-4`} data-testid={`kpi-${k.id}`} data-status={k.status}>
      <div className="flex items-start justify-between gap-2">
        <h3 className="text-sm font-medium text-slate-700">{k.label}</h3>
        <Verdict k={k} />
      </div>
      <p className={`font-semibold tabular-nums ${k.status === "MEASURED" ? "text-2xl text-slate-900" : "text-xl text-slate-400"}`}>{shown}</p>
      <p className="text-xs text-slate-600">
        Target <span className="font-medium">{k.target.text}</span>
      </p>
      <p className="text-xs text-slate-500">
        {audit && report.auditIntegrity.at ? `Last verified ${formatTime(report.auditIntegrity.at)}` : k.basis}
      </p>
    </li>
  );
}

function tick(bucket: "hour" | "day") {
  return (iso: string) => {
    const d = new Date(iso);
    return bucket === "hour" ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }) : d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  };
}

function ChartCard({ title, children, summary }: { title: string; summary: string; children: React.ReactElement }) {
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-4">
      <figcaption className="mb-2 text-sm font-medium text-slate-700">{title}</figcaption>
      <div className="h-52 w-full" role="img" aria-label={`${title}: ${summary}`}>
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function Trends({ report }: { report: TKpiReport }) {
  const data = report.trend;
  const fmt = tick(report.bucket);
  const any = (key: keyof TKpiTrendPoint) => data.some((p) => p[key] !== null && p[key] !== 0);
  const per = report.bucket === "hour" ? "hour" : "day";
  if (!any("operations") && !any("incidents")) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600">
        No trend yet: no operation was submitted and no incident detected in this window. The charts fill in per {per} as they are.
      </p>
    );
  }
  return (
    <div className="grid gap-4 lg:grid-cols-3">
      <ChartCard title={`Operations and incidents per ${per}`} summary={`${data.reduce((a, p) => a + p.operations, 0)} operations, ${data.reduce((a, p) => a + p.incidents, 0)} incidents`}>
        <AreaChart data={data} margin={{ top: 5, right: 10, bottom: 0, left: -20 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="start" tickFormatter={fmt} tick={{ fontSize: 11 }} minTickGap={24} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
          <Tooltip labelFormatter={(l) => formatTime(String(l))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Area type="monotone" dataKey="operations" name="Operations" stroke="#475569" fill="#cbd5e1" isAnimationActive={false} />
          <Area type="monotone" dataKey="incidents" name="Incidents" stroke="#dc2626" fill="#fecaca" isAnimationActive={false} />
        </AreaChart>
      </ChartCard>
      <ChartCard title="Rates (%)" summary="human intervention, auto-heal and canary success rates per bucket">
        <LineChart data={data} margin={{ top: 5, right: 10, bottom: 0, left: -20 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="start" tickFormatter={fmt} tick={{ fontSize: 11 }} minTickGap={24} />
          <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} />
          <Tooltip labelFormatter={(l) => formatTime(String(l))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="humanInterventionRatePct" name="Human intervention" stroke="#d97706" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
          <Line type="monotone" dataKey="autoHealRatePct" name="Auto-heal" stroke="#059669" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
          <Line type="monotone" dataKey="canarySuccessRatePct" name="Canary success" stroke="#2563eb" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
        </LineChart>
      </ChartCard>
      <ChartCard title="MTTR (s) and conflicts per 100 operations" summary="mean time to recovery and conflict rate per bucket">
        <LineChart data={data} margin={{ top: 5, right: 10, bottom: 0, left: -20 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="start" tickFormatter={fmt} tick={{ fontSize: 11 }} minTickGap={24} />
          <YAxis tick={{ fontSize: 11 }} />
          <Tooltip labelFormatter={(l) => formatTime(String(l))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="mttrSeconds" name="MTTR (s)" stroke="#7c3aed" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
          <Line type="monotone" dataKey="conflictsPer100" name="Conflicts / 100 ops" stroke="#0891b2" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
        </LineChart>
      </ChartCard>
    </div>
  );
}

/**
 * The console's KPIs, computed by the server from what the store recorded, against their targets (docs/spec/kpis.md).
 * The demo's runs are left out unless "Include demo runs" is ticked; the panel says which figures it shows.
 */
export function KpiPanel() {
  const [window, setWindow] = useState<Window>("24h");
  const [includeDemo, setIncludeDemo] = useState(false);
  const query = useQuery({
    // Under the report's own key, so whatever refreshes the KPIs refreshes both views.
    queryKey: [...queryKeys.kpiReport(window), includeDemo ? "demo-included" : "demo-left-out"],
    queryFn: ({ signal }) => apiFetch<TKpiReport>(`/api/v1/kpis${qs(includeDemo ? { window, includeDemo: "true" } : { window })}`, { signal }),
    // Incidents and audit verifications change KPIs too; the live stream refreshes on operations.
    refetchInterval: 30_000,
  });
  return (
    <section aria-labelledby="kpi-heading" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="kpi-heading" className="text-lg font-semibold">
          Key performance indicators
        </h2>
        <div className="flex flex-wrap items-center gap-3">
          <label className="inline-flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={includeDemo} onChange={(e) => setIncludeDemo(e.target.checked)} data-testid="kpi-include-demo" className="h-4 w-4 rounded border-slate-300" />
            Include demo runs
          </label>
          <div role="group" aria-label="KPI window" className="inline-flex overflow-hidden rounded border border-slate-300 bg-white text-sm">
            {KPI_WINDOWS.map((w) => (
              <button key={w} type="button" aria-pressed={window === w} onClick={() => setWindow(w)} className="px-3 py-1 text-slate-700 hover:bg-slate-100 aria-pressed:bg-slate-800 aria-pressed:text-white">
                {WINDOW_LABEL[w]}
              </button>
            ))}
          </div>
        </div>
      </div>
      {query.isPending ? (
        <Loading what="KPIs" />
      ) : query.isError ? (
        <ErrorBox error={query.error} what="the KPIs" onRetry={() => void query.refetch()} />
      ) : (
        <>
          <p
            data-testid="kpi-demo-scope"
            data-include-demo={query.data.includeDemo}
            className={`rounded border px-3 py-1.5 text-sm ${query.data.includeDemo ? "border-amber-300 bg-amber-50 text-amber-950" : "border-slate-200 bg-white text-slate-600"}`}
          >
            {query.data.includeDemo
              ? "Demo data included: the self-healing demo's incidents and operations are counted in these figures."
              : "Demo runs left out: these figures count only incidents and operations that are not the self-healing demo's."}
          </p>
          <ul className="grid grid-cols-1 gap-3 sm:grid-cols-2 xl:grid-cols-4" aria-label="KPIs">
            {query.data.kpis.map((k) => (
              <KpiCard key={k.id} k={k} report={query.data} />
            ))}
          </ul>
          <p className="text-xs text-slate-500">
            {WINDOW_LABEL[window]}: operations submitted and incidents detected since {formatTime(query.data.since)}. Mean lock wait is over all time (the lock statistics keep no timestamps).
          </p>
          <Trends report={query.data} />
        </>
      )}
    </section>
  );
}
