"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { Bar, BarChart, CartesianGrid, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { apiFetch } from "@/lib/api/client";
import type { TIncidentDetail } from "@/lib/api/incidents";
import { queryKeys } from "@/lib/api/query-keys";
import { ErrorBox, formatDuration, formatTime, Loading } from "../kpis/query-states";
import { Badge, mttrSeconds, SEVERITY_STYLE, STATUS_STYLE } from "./incident-list";

/** Seed 001: the same incident resolved by hand takes 45 minutes ("Total MTTR: 36 seconds (vs 45 minutes manual)"). */
export const MANUAL_MTTR_SECONDS = 45 * 60;

const STAGE_COLOR = (outcome: string | null, ongoing: boolean) => (ongoing ? "#f59e0b" : outcome && /^(fail|roll|block|abort)/i.test(outcome) ? "#dc2626" : "#0284c7");

type Stage = TIncidentDetail["stages"][number];

function useNow(active: boolean) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function Timeline({ stages, detectedAt, now }: { stages: Stage[]; detectedAt: string; now: number }) {
  const t0 = Date.parse(detectedAt);
  const rows = stages.map((s) => {
    const start = (Date.parse(s.startedAt) - t0) / 1000;
    const end = ((s.endedAt ? Date.parse(s.endedAt) : now) - t0) / 1000;
    return { name: s.stage, offset: Math.max(0, start), duration: Math.max(0, end - start), ongoing: !s.endedAt, outcome: s.outcome, label: formatDuration(Math.max(0, end - start)) };
  });
  const height = Math.max(160, rows.length * 30 + 50);
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-4">
      <figcaption className="mb-2 text-sm font-medium text-slate-700">Stages from detection (seconds after {formatTime(detectedAt)})</figcaption>
      <div style={{ height }} className="w-full" role="img" aria-label={`Timeline of ${rows.length} stages: ${rows.map((r) => `${r.name} at ${r.offset.toFixed(1)} s for ${r.label}`).join("; ")}`} data-testid="incident-timeline">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} layout="vertical" margin={{ top: 5, right: 60, bottom: 5, left: 10 }} barCategoryGap={6}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" horizontal={false} />
            <XAxis type="number" tick={{ fontSize: 11 }} unit=" s" domain={[0, "dataMax"]} />
            <YAxis type="category" dataKey="name" width={150} tick={{ fontSize: 12 }} interval={0} />
            <Tooltip formatter={(value, name) => (name === "offset" ? [`${Number(value).toFixed(1)} s`, "starts at"] : [formatDuration(Number(value)), "lasts"])} />
            <Bar dataKey="offset" stackId="t" fill="transparent" isAnimationActive={false} />
            <Bar dataKey="duration" stackId="t" isAnimationActive={false} minPointSize={2}>
              {rows.map((r) => (
                <Cell key={r.name} fill={STAGE_COLOR(r.outcome, r.ongoing)} />
              ))}
              <LabelList dataKey="label" position="right" style={{ fontSize: 11, fill: "#334155" }} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function Comparison({ automated }: { automated: number }) {
  const saving = MANUAL_MTTR_SECONDS - automated;
  const data = [
    { name: "Manual (seed 001)", seconds: MANUAL_MTTR_SECONDS, label: formatDuration(MANUAL_MTTR_SECONDS) },
    { name: "Automated (this incident)", seconds: automated, label: formatDuration(automated) },
  ];
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-4" data-testid="mttr-comparison">
      <figcaption className="mb-2 text-sm font-medium text-slate-700">Manual vs automated recovery</figcaption>
      <div className="h-32 w-full" role="img" aria-label={`Manual ${formatDuration(MANUAL_MTTR_SECONDS)} against automated ${formatDuration(automated)}`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} layout="vertical" margin={{ top: 5, right: 70, bottom: 5, left: 10 }}>
            <XAxis type="number" hide />
            <YAxis type="category" dataKey="name" width={200} tick={{ fontSize: 12 }} />
            <Bar dataKey="seconds" isAnimationActive={false} minPointSize={3}>
              <Cell fill="#94a3b8" />
              <Cell fill="#059669" />
              <LabelList dataKey="label" position="right" style={{ fontSize: 12, fill: "#334155" }} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <p className="mt-2 text-sm text-slate-700">
        {saving > 0 ? (
          <>
            Saved <span className="font-semibold">{formatDuration(saving)}</span> against the manual 45 min ({automated > 0 ? `${Math.round(MANUAL_MTTR_SECONDS / automated)}× faster` : "instant"}).
          </>
        ) : (
          <>Took {formatDuration(-saving)} longer than the manual 45 min.</>
        )}
      </p>
    </figure>
  );
}

export function IncidentDetail({ id }: { id: string }) {
  const query = useQuery({ queryKey: queryKeys.incident(id), queryFn: ({ signal }) => apiFetch<TIncidentDetail>(`/api/v1/incidents/${encodeURIComponent(id)}`, { signal }) });
  const ongoing = query.data ? !query.data.incident.resolvedAt || query.data.stages.some((s) => !s.endedAt) : false;
  const now = useNow(ongoing);

  if (query.isPending || query.isError) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">Incident</h1>
        {query.isPending ? <Loading what="the incident" /> : <ErrorBox error={query.error} what="the incident" onRetry={() => void query.refetch()} />}
      </div>
    );
  }
  const { incident, stages, operations, operationsTruncated } = query.data;
  const mttr = mttrSeconds(incident);
  const elapsed = (now - Date.parse(incident.detectedAt)) / 1000;

  return (
    <div className="space-y-5">
      <header className="space-y-1">
        <p className="text-sm">
          <Link href="/incidents" className="text-sky-700 hover:underline">
            ← Incidents
          </Link>
        </p>
        <h1 className="text-2xl font-semibold">
          {incident.key}: {incident.title}
        </h1>
        <div className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <Badge className={STATUS_STYLE[incident.status]}>{incident.status}</Badge>
          <Badge className={SEVERITY_STYLE[incident.severity] ?? ""}>{incident.severity}</Badge>
          <span className="font-mono text-xs">{incident.service}</span>
          <span>detected {formatTime(incident.detectedAt)}</span>
          {incident.resolvedAt && <span>resolved {formatTime(incident.resolvedAt)}</span>}
          {incident.approach && <span>approach: {incident.approach}</span>}
          <span className="font-mono text-xs text-slate-500">correlation {incident.correlationId}</span>
        </div>
      </header>

      <dl className="grid max-w-2xl grid-cols-1 gap-3 sm:grid-cols-3">
        <div className="rounded-lg border border-slate-200 bg-white px-3 py-2">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Automated MTTR</dt>
          <dd className="text-xl font-semibold tabular-nums" data-testid="incident-mttr">
            {mttr === null ? <span className="text-slate-500">not resolved ({formatDuration(elapsed)} so far)</span> : formatDuration(mttr)}
          </dd>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white px-3 py-2">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Manual (seed 001)</dt>
          <dd className="text-xl font-semibold tabular-nums">45 min</dd>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white px-3 py-2">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Stages recorded</dt>
          <dd className="text-xl font-semibold tabular-nums">{stages.length}</dd>
        </div>
      </dl>

      <section aria-labelledby="timeline-heading" className="space-y-3">
        <h2 id="timeline-heading" className="text-lg font-semibold">
          MTTR timeline
        </h2>
        {stages.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600">No stages recorded for this incident yet: each pipeline stage (detected, RCA, localized, …) appears here as it runs.</p>
        ) : (
          <>
            <Timeline stages={stages} detectedAt={incident.detectedAt} now={now} />
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
              <table className="min-w-full text-left text-sm">
                <caption className="sr-only">Stages in order</caption>
                <thead className="bg-slate-100 text-xs uppercase tracking-wide text-slate-600">
                  <tr>
                    <th scope="col" className="px-3 py-2">Stage</th>
                    <th scope="col" className="px-3 py-2 text-right">Starts at</th>
                    <th scope="col" className="px-3 py-2 text-right">Duration</th>
                    <th scope="col" className="px-3 py-2">Outcome</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {stages.map((s) => {
                    const start = (Date.parse(s.startedAt) - Date.parse(incident.detectedAt)) / 1000;
                    const end = s.endedAt ? Date.parse(s.endedAt) : now;
                    return (
                      <tr key={s.id} data-testid="stage-row">
                        <th scope="row" className="px-3 py-1.5 font-medium">{s.stage}</th>
                        <td className="px-3 py-1.5 text-right tabular-nums">{start.toFixed(1)} s</td>
                        <td className="px-3 py-1.5 text-right tabular-nums">{formatDuration(Math.max(0, (end - Date.parse(s.startedAt)) / 1000))}{s.endedAt ? "" : " (running)"}</td>
                        <td className="px-3 py-1.5 text-xs">{s.outcome ?? "—"}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>

      <section aria-labelledby="comparison-heading" className="space-y-3">
        <h2 id="comparison-heading" className="text-lg font-semibold">
          Manual vs automated
        </h2>
        {mttr === null ? (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600">The comparison appears once the incident is resolved ({formatDuration(elapsed)} since detection so far).</p>
        ) : (
          <Comparison automated={mttr} />
        )}
      </section>

      <section aria-labelledby="ops-heading" className="space-y-3">
        <h2 id="ops-heading" className="text-lg font-semibold">
          Operations
        </h2>
        {operations.length === 0 ? (
          <p className="text-sm text-slate-600">No operation was run for this incident.</p>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table className="min-w-full text-left text-sm">
              <caption className="sr-only">Operations of this incident, oldest first</caption>
              <thead className="bg-slate-100 text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2">Type</th>
                  <th scope="col" className="px-3 py-2">Service</th>
                  <th scope="col" className="px-3 py-2">State</th>
                  <th scope="col" className="px-3 py-2">Actor</th>
                  <th scope="col" className="px-3 py-2">Created</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {operations.map((o) => (
                  <tr key={o.id}>
                    <td className="px-3 py-1.5">{o.type}</td>
                    <td className="px-3 py-1.5 font-mono text-xs">{o.service}</td>
                    <td className="px-3 py-1.5">
                      {o.state}
                      {o.result ? ` (${o.result})` : ""}
                    </td>
                    <td className="px-3 py-1.5 text-xs">{o.actor}</td>
                    <td className="px-3 py-1.5 text-xs">{formatTime(o.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {operationsTruncated && <p className="px-3 py-2 text-xs text-slate-500">More operations exist; list operations by incident for all.</p>}
          </div>
        )}
      </section>
    </div>
  );
}
