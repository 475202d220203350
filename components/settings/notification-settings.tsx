"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { z } from "zod";
import { AUDIT_SEVERITIES } from "@/lib/api/audit";
import { apiFetch } from "@/lib/api/client";
import { ROUTE_CHANNELS, type ZNotificationSettings, type ZNotifyRoutingBody, type ZTestNotificationResult } from "@/lib/api/notifications";
import { queryKeys } from "@/lib/api/query-keys";
import { DataTable } from "@/components/ui/data-table";
import { ErrorBox, FormError, Loading } from "../kpis/query-states";
import { INPUT, PRIMARY, Saved } from "./safety-settings";

type Settings = z.infer<typeof ZNotificationSettings>;
type Routing = z.infer<typeof ZNotifyRoutingBody>;
type TestResult = z.infer<typeof ZTestNotificationResult>;
type Channel = (typeof ROUTE_CHANNELS)[number];

const CHANNEL_LABEL: Record<Channel, string> = { SLACK: "Slack", TEAMS: "Teams", EMAIL: "Email", PAGERDUTY: "PagerDuty", PHONE: "Phone (PagerDuty high urgency)", INBOX: "Inbox" };

function toggle(list: Channel[], c: Channel, on: boolean): Channel[] {
  return on ? ROUTE_CHANNELS.filter((x) => x === c || list.includes(x)) : list.filter((x) => x !== c);
}

function RoutingForm({ initial }: { initial: Routing }) {
  const client = useQueryClient();
  const [routes, setRoutes] = useState(() => Object.fromEntries(AUDIT_SEVERITIES.map((s) => [s, { channels: initial.routes[s].channels, throttle: String(initial.routes[s].throttleMinutes) }])) as Record<(typeof AUDIT_SEVERITIES)[number], { channels: Channel[]; throttle: string }>);
  const [escalation, setEscalation] = useState(initial.escalation);
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const save = useMutation({
    mutationFn: () =>
      apiFetch<Settings>("/api/v1/settings/notifications", {
        method: "PUT",
        body: { routes: Object.fromEntries(AUDIT_SEVERITIES.map((s) => [s, { channels: routes[s].channels, throttleMinutes: routes[s].throttle.trim() === "" ? null : Number(routes[s].throttle) }])), escalation },
      }),
    onMutate: () => setSavedAt(null),
    onSuccess: (data) => {
      client.setQueryData(queryKeys.notificationSettings(), data);
      setSavedAt(Date.now());
    },
  });
  return (
    <form
      aria-label="Notification routing"
      noValidate
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <DataTable
        caption="Routing per severity"
        captionClassName="px-3 pt-2 text-left text-xs font-medium uppercase tracking-wide text-slate-500"
        rows={AUDIT_SEVERITIES}
        rowKey={(s) => s}
        columns={[
          { key: "severity", header: "Severity", rowHeader: true, className: "font-medium", cell: (s) => s },
          ...ROUTE_CHANNELS.map((c) => ({
            key: c,
            header: c === "PHONE" ? "Phone" : CHANNEL_LABEL[c],
            align: "center" as const,
            headerClassName: "!px-2",
            className: "!px-2",
            cell: (s: (typeof AUDIT_SEVERITIES)[number]) => <input type="checkbox" aria-label={`${s} to ${CHANNEL_LABEL[c]}`} checked={routes[s].channels.includes(c)} onChange={(e) => setRoutes((r) => ({ ...r, [s]: { ...r[s], channels: toggle(r[s].channels, c, e.target.checked) } }))} />,
          })),
          {
            key: "throttle",
            header: "Throttle (min)",
            cell: (s) => <input type="number" aria-label={`${s} throttle minutes`} className={`${INPUT} w-20`} value={routes[s].throttle} onChange={(e) => setRoutes((r) => ({ ...r, [s]: { ...r[s], throttle: e.target.value } }))} />,
          },
        ]}
      />
      <DataTable
        caption="Escalation of unanswered reviews"
        captionClassName="px-3 pt-2 text-left text-xs font-medium uppercase tracking-wide text-slate-500"
        rows={escalation}
        rowKey={(_, n) => n}
        columns={[
          { key: "level", header: "Level", rowHeader: true, className: "font-medium", cell: (lvl) => `Level ${lvl.level}` },
          ...ROUTE_CHANNELS.map((c) => ({
            key: c,
            header: c === "PHONE" ? "Phone" : CHANNEL_LABEL[c],
            align: "center" as const,
            headerClassName: "!px-2",
            className: "!px-2",
            cell: (lvl: (typeof escalation)[number], n: number) => <input type="checkbox" aria-label={`Level ${lvl.level} to ${CHANNEL_LABEL[c]}`} checked={lvl.notify.includes(c)} onChange={(e) => setEscalation((es) => es.map((x, i) => (i === n ? { ...x, notify: toggle(x.notify, c, e.target.checked) } : x)))} />,
          })),
          {
            key: "remove",
            header: <span className="sr-only">Remove</span>,
            cell: (lvl, n) => (
              <button type="button" className="text-xs text-red-700 hover:underline" onClick={() => setEscalation((es) => es.filter((_, i) => i !== n))}>
                Remove level {lvl.level}
              </button>
            ),
          },
        ]}
        footer={
          <div className="px-3 py-2">
            <button type="button" className="text-sm text-sky-700 hover:underline" onClick={() => setEscalation((es) => [...es, { level: Math.max(0, ...es.map((x) => x.level)) + 1, notify: ["INBOX"] }])}>
              Add escalation level
            </button>
          </div>
        }
      />
      <FormError error={save.error} />
      <div className="flex items-center gap-3">
        <button type="submit" className={PRIMARY} disabled={save.isPending}>
          {save.isPending ? "Saving …" : "Save notification routing"}
        </button>
        <Saved when={savedAt} />
      </div>
    </form>
  );
}

function TestNotification() {
  const test = useMutation({ mutationFn: () => apiFetch<TestResult>("/api/v1/notifications/test", { method: "POST", body: {} }) });
  return (
    <div className="space-y-2">
      <button type="button" className={PRIMARY} disabled={test.isPending} onClick={() => test.mutate()}>
        {test.isPending ? "Sending …" : "Send test notification"}
      </button>
      <FormError error={test.error} />
      <div role="status" aria-live="polite">
        {test.data && (
          <ul className="space-y-1 text-sm" aria-label="Test notification results">
            {test.data.results.map((r) => (
              <li key={r.channel} className={r.ok ? "text-emerald-700" : "text-red-700"}>
                <span className="font-medium">{r.channel}</span>: {r.ok ? "delivered" : `failed — ${r.error ?? "no reason given"}`}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

export function NotificationSettings() {
  const query = useQuery({ queryKey: queryKeys.notificationSettings(), queryFn: ({ signal }) => apiFetch<Settings>("/api/v1/settings/notifications", { signal }) });
  if (query.isPending) return <Loading what="the notification settings" />;
  if (query.isError) return <ErrorBox error={query.error} what="the notification settings" onRetry={() => void query.refetch()} />;
  return (
    <div className="space-y-4">
      <div className="rounded-lg border border-slate-200 bg-white p-4">
        <h3 className="text-sm font-medium text-slate-700">Configured channels</h3>
        <p className="mb-2 text-xs text-slate-500">Set from the environment at start-up (SLACK_WEBHOOK_URL, TEAMS_WEBHOOK_URL, SMTP_URL, PAGERDUTY_ROUTING_KEY); routes to other channels are skipped.</p>
        <ul className="flex flex-wrap gap-2 text-sm">
          {query.data.channels.map((c) => (
            <li key={c.channel} className="rounded border border-slate-200 bg-slate-50 px-2 py-1">
              <span className="font-medium">{c.channel}</span> <span className="font-mono text-xs text-slate-500">{c.target}</span>
            </li>
          ))}
        </ul>
      </div>
      <TestNotification />
      <RoutingForm initial={query.data.routing} />
    </div>
  );
}
