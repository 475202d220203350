"use client";

// One incident: where it came from, every recorded move on its timeline (from
// stored times, docs/incidents.md#the-timeline), Alertmanager's alerts, what the
// remediation rules did, notes, the demo pipeline's stages when it has them,
// and its measured MTTR beside the manual baseline of the incident settings.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { Bar, BarChart, CartesianGrid, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { apiFetch } from "@/lib/api/client";
import type { TIncidentDetail, TIncidentSummary } from "@/lib/api/incidents";
import { queryKeys } from "@/lib/api/query-keys";
import type { TIncidentSettingsView } from "@/lib/api/settings";
import { formatTime } from "@/lib/format";
import { DataTable } from "@/components/ui/data-table";
import { Time } from "@/components/ui/time";
import { ErrorBox, formatDuration, Loading } from "../kpis/query-states";
import { Badge, OutcomeBadge, SeverityBadge, shortId, SourceBadge, StatusBadge } from "./common";
import { IncidentActions } from "./incident-actions";

const STAGE_COLOR = (outcome: string | null, ongoing: boolean) => (ongoing ? "#f59e0b" : outcome && /^(fail|roll|block|abort)/i.test(outcome) ? "#dc2626" : "#0284c7");

type Stage = TIncidentDetail["stages"][number];
type Entry = TIncidentDetail["timeline"][number];

const KIND_STYLE: Partial<Record<Entry["kind"], string>> = {
  DETECTED: "bg-red-50 text-red-800",
  ALERT_FIRING: "bg-orange-50 text-orange-800",
  ALERT_RESOLVED: "bg-emerald-50 text-emerald-800",
  ACKNOWLEDGED: "bg-sky-50 text-sky-800",
  MITIGATING: "bg-amber-50 text-amber-800",
  REMEDIATION: "bg-indigo-50 text-indigo-800",
  OPERATION: "bg-indigo-50 text-indigo-800",
  RESOLVED: "bg-emerald-100 text-emerald-800",
};

function useNow(active: boolean) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

/** The demo's time scale stored on its incident (docs/demo.md#time-in-the-demo), or null when the run did not record one. */
function timeScaleOf(incident: TIncidentSummary): number | null {
  const scale = (incident.summary as Record<string, unknown>).timeScale;
  return typeof scale === "number" && Number.isFinite(scale) && scale > 0 ? scale : null;
}

const ratioText = (n: number) => (n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10));

function StageChart({ stages, detectedAt, now }: { stages: Stage[]; detectedAt: string; now: number }) {
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

/** A real incident's measured MTTR against the manual baseline: both are real time, so a difference and a ratio are fair. */
function RealComparison({ measured, manual }: { measured: number; manual: number }) {
  const difference = manual - measured;
  const data = [
    { name: "Manual baseline", seconds: manual, label: formatDuration(manual) },
    { name: "Measured (this incident)", seconds: measured, label: formatDuration(measured) },
  ];
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-4" data-testid="mttr-comparison">
      <figcaption className="mb-2 text-sm font-medium text-slate-700">Manual baseline vs this incident</figcaption>
      <div className="h-32 w-full" role="img" aria-label={`Manual baseline ${formatDuration(manual)} against a measured ${formatDuration(measured)}`}>
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
      <p className="mt-2 text-sm text-slate-700" data-testid="mttr-versus-manual">
        {difference > 0 ? (
          <>
            <span className="font-semibold">{formatDuration(difference)}</span> less than the manual baseline of {formatDuration(manual)} ({measured > 0 ? `${ratioText(manual / measured)}× faster` : "instant"}).
          </>
        ) : difference < 0 ? (
          <>
            <span className="font-semibold">{formatDuration(-difference)}</span> more than the manual baseline of {formatDuration(manual)}.
          </>
        ) : (
          <>The same as the manual baseline of {formatDuration(manual)}.</>
        )}
      </p>
    </figure>
  );
}

/** A demo incident's stored times ran faster than real time: said plainly, and never put in a ratio with the manual baseline. */
function DemoComparison({ scale, measured, manual }: { scale: number | null; measured: number | null; manual: number }) {
  return (
    <div className="space-y-2 rounded-lg border border-fuchsia-200 bg-fuchsia-50 p-4 text-sm text-fuchsia-950" data-testid="mttr-comparison">
      {scale === null ? (
        <p>
          A demo incident from a run that did not record its time scale: its stored times may be compressed (the demo&apos;s simulated waits run faster than real time), so they are not real time. Its MTTR is therefore not put against
          the manual {formatDuration(manual)} as a ratio.
        </p>
      ) : (
        <>
          <p data-testid="demo-time-scale">
            A demo incident: its stored times are compressed {scale}×. The demo&apos;s simulated waits (canary bakes, the image build) ran {scale}× faster than the systems they stand for, so{" "}
            {measured === null ? "the times recorded here are" : `the MTTR of ${formatDuration(measured)} measured here is`} not real time. Its MTTR is therefore not put against the manual {formatDuration(manual)} as a ratio.
          </p>
          {measured !== null && (
            <p className="text-xs">
              Restated on the demo&apos;s simulated basis ({scale}× the stored times) it stands for {formatDuration(measured * scale)}; the{" "}
              <Link href="/demo" className="underline">
                demo page
              </Link>{" "}
              states each run on that basis.
            </p>
          )}
        </>
      )}
    </div>
  );
}

function Comparison({ incident, measured, manual, elapsed }: { incident: TIncidentSummary; measured: number | null; manual: number; elapsed: number }) {
  const scale = timeScaleOf(incident);
  if (incident.source === "DEMO" && scale !== 1) return <DemoComparison scale={scale} measured={measured} manual={manual} />;
  if (measured === null) {
    return <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600">The comparison appears once the incident is resolved ({formatDuration(elapsed)} since detection so far).</p>;
  }
  return (
    <>
      {incident.source === "DEMO" && <p className="text-sm text-slate-600">A demo run at time scale 1: its stored times are real time.</p>}
      <RealComparison measured={measured} manual={manual} />
    </>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <section aria-labelledby={`${id}-heading`} className="space-y-3">
      <h2 id={`${id}-heading`} className="text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

const Empty = ({ children }: { children: React.ReactNode }) => <p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600">{children}</p>;

function OperationLink({ id }: { id: string | null }) {
  if (!id) return <span className="text-slate-400">—</span>;
  return (
    <Link href={`/operations/${id}`} className="font-mono text-xs text-sky-700 hover:underline">
      operation {shortId(id)}
    </Link>
  );
}

export function IncidentDetail({ id }: { id: string }) {
  const query = useQuery({ queryKey: queryKeys.incident(id), queryFn: ({ signal }) => apiFetch<TIncidentDetail>(`/api/v1/incidents/${encodeURIComponent(id)}`, { signal }) });
  const settings = useQuery({ queryKey: queryKeys.incidentSettings(), queryFn: ({ signal }) => apiFetch<TIncidentSettingsView>("/api/v1/settings/incidents", { signal }) });
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
  const { incident, stages, operations, operationsTruncated, alerts, notes, matches, timeline, mttrSeconds } = query.data;
  const elapsed = (now - Date.parse(incident.detectedAt)) / 1000;
  const since = (iso: string) => formatDuration(Math.max(0, (Date.parse(iso) - Date.parse(incident.detectedAt)) / 1000));
  const manual = settings.data ? settings.data.settings.manualMttrMinutes * 60 : null;

  return (
    <div className="space-y-6">
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
          <StatusBadge status={incident.status} />
          <SeverityBadge severity={incident.severity} />
          <SourceBadge source={incident.source} />
          <span className="font-mono text-xs">{incident.service}</span>
          <span>
            detected <Time iso={incident.detectedAt} />
          </span>
          {incident.acknowledgedAt && (
            <span>
              acknowledged <Time iso={incident.acknowledgedAt} />
              {incident.acknowledgedBy ? ` by ${incident.acknowledgedBy}` : ""}
            </span>
          )}
          {incident.mitigatingAt && (
            <span>
              mitigating <Time iso={incident.mitigatingAt} />
            </span>
          )}
          {incident.resolvedAt && (
            <span>
              resolved <Time iso={incident.resolvedAt} />
              {incident.resolvedBy ? ` by ${incident.resolvedBy}` : ""}
            </span>
          )}
          {incident.approach && <span>approach: {incident.approach}</span>}
        </div>
        <p className="font-mono text-xs text-slate-500">
          correlation {incident.correlationId}
          {incident.groupKey && <> · alert group {incident.groupKey}</>}
        </p>
      </header>

      <IncidentActions incident={incident} />

      <dl className="grid max-w-3xl grid-cols-1 gap-3 sm:grid-cols-3">
        <div className="rounded-lg border border-slate-200 bg-white px-3 py-2">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Measured MTTR</dt>
          <dd className="text-xl font-semibold tabular-nums" data-testid="incident-mttr">
            {mttrSeconds === null ? (
              <span className="text-base text-slate-500">
                not resolved <span className="text-sm font-normal">({formatDuration(elapsed)} so far)</span>
              </span>
            ) : (
              formatDuration(mttrSeconds)
            )}
          </dd>
          <dd className="text-xs text-slate-500">detected → resolved, from the stored times{incident.source === "DEMO" ? " (compressed by the demo's time scale)" : ""}</dd>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white px-3 py-2">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Manual baseline</dt>
          <dd className="text-xl font-semibold tabular-nums" data-testid="manual-baseline">
            {manual !== null ? formatDuration(manual) : settings.isError ? <span className="text-sm text-red-700">could not be read: {settings.error.message}</span> : <span className="text-slate-400">…</span>}
          </dd>
          <dd className="text-xs text-slate-500">the same incident resolved by hand (incident settings)</dd>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white px-3 py-2">
          <dt className="text-xs uppercase tracking-wide text-slate-500">Time to acknowledge</dt>
          <dd className="text-xl font-semibold tabular-nums" data-testid="incident-tta">
            {incident.acknowledgedAt ? since(incident.acknowledgedAt) : <span className="text-slate-500">not acknowledged</span>}
          </dd>
        </div>
      </dl>

      <Section id="comparison" title="Against the manual baseline">
        {manual === null ? settings.isError ? <ErrorBox error={settings.error} what="the manual baseline" onRetry={() => void settings.refetch()} /> : <Loading what="the manual baseline" /> : <Comparison incident={incident} measured={mttrSeconds} manual={manual} elapsed={elapsed} />}
      </Section>

      <Section id="timeline" title="Timeline">
        <DataTable
          caption="Every recorded move of the incident, oldest first"
          density="snug"
          rows={timeline}
          rowKey={(_, n) => n}
          rowProps={(e) => ({ "data-testid": "timeline-entry", "data-kind": e.kind })}
          tableProps={{ "data-testid": "incident-events" }}
          empty={<Empty>Nothing recorded yet.</Empty>}
          columns={[
            { key: "at", header: "Time", className: "whitespace-nowrap text-xs", cell: (e) => <Time iso={e.at} /> },
            { key: "after", header: "After detection", align: "right", className: "whitespace-nowrap text-xs tabular-nums text-slate-500", cell: (e) => `+${since(e.at)}` },
            { key: "kind", header: "Kind", cell: (e) => <Badge className={`font-mono ${KIND_STYLE[e.kind] ?? "bg-slate-100 text-slate-700"}`}>{e.kind}</Badge> },
            { key: "label", header: "What happened", cell: (e) => e.label },
            { key: "actor", header: "By", className: "text-xs", cell: (e) => e.actor ?? <span className="text-slate-400">—</span> },
            { key: "operation", header: "Operation", cell: (e) => <OperationLink id={e.operationId} /> },
          ]}
        />
      </Section>

      <Section id="alerts" title="Alerts">
        <DataTable
          caption="Alertmanager's alerts of this incident, by fingerprint"
          density="snug"
          rows={alerts}
          rowKey={(a) => a.fingerprint}
          rowProps={(a) => ({ "data-testid": "alert-row", "data-fingerprint": a.fingerprint })}
          bodyClassName="align-top"
          empty={<Empty>No Alertmanager alert belongs to this incident{incident.source === "ALERTMANAGER" ? "." : `: it was opened by ${incident.source === "DEMO" ? "the demo" : incident.source === "CONSOLE" ? "a person in the console" : "a tool through the API"}.`}</Empty>}
          columns={[
            {
              key: "alert",
              header: "Alert",
              rowHeader: true,
              cell: (a) => (
                <>
                  <span className="font-medium">{a.alertname}</span>
                  {(a.annotations.summary ?? a.annotations.description) && <p className="text-xs font-normal text-slate-600">{a.annotations.summary ?? a.annotations.description}</p>}
                  <p className="font-mono text-[11px] font-normal text-slate-500">{a.fingerprint}</p>
                </>
              ),
            },
            { key: "status", header: "Status", cell: (a) => <Badge className={a.status === "firing" ? "bg-red-100 text-red-800" : "bg-emerald-100 text-emerald-800"}>{a.status}</Badge> },
            {
              key: "labels",
              header: "Labels",
              cell: (a) => (
                <ul className="flex max-w-md flex-wrap gap-1" aria-label={`Labels of ${a.alertname}`}>
                  {Object.entries(a.labels)
                    .sort(([x], [y]) => x.localeCompare(y))
                    .map(([k, v]) => (
                      <li key={k} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[11px] text-slate-700">
                        {k}={v}
                      </li>
                    ))}
                </ul>
              ),
            },
            { key: "starts", header: "Starts", className: "text-xs", cell: (a) => <Time iso={a.startsAt} /> },
            { key: "ends", header: "Ends", className: "text-xs", cell: (a) => (a.endsAt ? <Time iso={a.endsAt} /> : <span className="text-slate-400">firing</span>) },
            {
              key: "source",
              header: "Source",
              className: "text-xs",
              cell: (a) =>
                a.generatorUrl && /^https?:\/\//i.test(a.generatorUrl) ? (
                  <a href={a.generatorUrl} target="_blank" rel="noreferrer" className="text-sky-700 hover:underline">
                    graph
                  </a>
                ) : (
                  <span className="text-slate-400">—</span>
                ),
            },
          ]}
        />
      </Section>

      <Section id="matches" title="Remediation rule matches">
        <DataTable
          caption="What the remediation rules did for this incident, oldest first"
          density="snug"
          rows={matches}
          rowKey={(m) => m.id}
          rowProps={(m) => ({ "data-testid": "match-row", "data-outcome": m.outcome })}
          empty={<Empty>No remediation rule matched this incident&apos;s alerts.</Empty>}
          columns={[
            { key: "at", header: "Time", className: "whitespace-nowrap text-xs", cell: (m) => <Time iso={m.at} /> },
            {
              key: "rule",
              header: "Rule",
              cell: (m) => (
                <Link href={`/rules/${m.ruleId}`} className="font-medium text-sky-700 hover:underline">
                  {m.ruleName}
                </Link>
              ),
            },
            { key: "outcome", header: "Outcome", cell: (m) => <OutcomeBadge outcome={m.outcome} /> },
            { key: "reason", header: "Reason", className: "text-xs", cell: (m) => m.reason },
            { key: "alert", header: "Alert", className: "font-mono text-[11px] text-slate-500", cell: (m) => m.fingerprint },
            { key: "operation", header: "Operation", cell: (m) => <OperationLink id={m.operationId} /> },
          ]}
        />
      </Section>

      <Section id="notes" title="Notes">
        {notes.length === 0 ? (
          <Empty>No notes. A note can be added with each move above.</Empty>
        ) : (
          <ol className="max-w-3xl space-y-2">
            {notes.map((n, i) => (
              <li key={i} className="rounded-lg border border-slate-200 bg-white px-3 py-2" data-testid="incident-note">
                <p className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
                  <Time iso={n.at} /> <span>{n.by}</span> <StatusBadge status={n.status} />
                </p>
                <p className="mt-1 whitespace-pre-wrap text-sm text-slate-800">{n.note}</p>
              </li>
            ))}
          </ol>
        )}
      </Section>

      {stages.length > 0 && (
        <Section id="stages" title="Pipeline stages">
          <StageChart stages={stages} detectedAt={incident.detectedAt} now={now} />
          <DataTable
            caption="Stages in order"
            density="snug"
            rows={stages}
            rowKey={(s) => s.id}
            rowProps={() => ({ "data-testid": "stage-row" })}
            columns={[
              { key: "stage", header: "Stage", rowHeader: true, className: "font-medium", cell: (s) => s.stage },
              { key: "start", header: "Starts at", align: "right", className: "tabular-nums", cell: (s) => `${((Date.parse(s.startedAt) - Date.parse(incident.detectedAt)) / 1000).toFixed(1)} s` },
              {
                key: "duration",
                header: "Duration",
                align: "right",
                className: "tabular-nums",
                cell: (s) => `${formatDuration(Math.max(0, ((s.endedAt ? Date.parse(s.endedAt) : now) - Date.parse(s.startedAt)) / 1000))}${s.endedAt ? "" : " (running)"}`,
              },
              { key: "outcome", header: "Outcome", className: "text-xs", cell: (s) => s.outcome ?? "—" },
            ]}
          />
        </Section>
      )}

      <Section id="ops" title="Operations">
        {operations.length === 0 ? (
          <Empty>No operation was run for this incident.</Empty>
        ) : (
          <DataTable
            caption="Operations of this incident, oldest first"
            density="snug"
            rows={operations}
            rowKey={(o) => o.id}
            columns={[
              {
                key: "type",
                header: "Operation",
                cell: (o) => (
                  <Link href={`/operations/${o.id}`} className="text-sky-700 hover:underline">
                    {o.type} <span className="font-mono text-xs">{shortId(o.id)}</span>
                  </Link>
                ),
              },
              { key: "service", header: "Service", className: "font-mono text-xs", cell: (o) => o.service },
              { key: "state", header: "State", cell: (o) => `${o.state}${o.result ? ` (${o.result})` : ""}` },
              { key: "actor", header: "Actor", className: "text-xs", cell: (o) => o.actor },
              { key: "created", header: "Created", className: "text-xs", cell: (o) => <Time iso={o.createdAt} /> },
            ]}
            footer={operationsTruncated && <p className="px-3 py-2 text-xs text-slate-500">More operations exist; list operations by incident for all.</p>}
          />
        )}
      </Section>
    </div>
  );
}
