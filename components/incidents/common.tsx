"use client";

// Badges and small helpers shared by the incident pages and the remediation
// rule pages: statuses, sources (docs/incidents.md#sources), severities and
// what a remediation rule did with a match.
import type { ReactNode } from "react";
import type { INCIDENT_SOURCES, TIncidentSummary, TRemediationMatch } from "@/lib/api/incidents";

export type IncidentStatus = TIncidentSummary["status"];
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

export const STATUS_STYLE: Record<IncidentStatus, string> = {
  OPEN: "bg-red-100 text-red-800",
  ACKNOWLEDGED: "bg-sky-100 text-sky-800",
  MITIGATING: "bg-amber-100 text-amber-800",
  RESOLVED: "bg-emerald-100 text-emerald-800",
  ESCALATED: "bg-purple-100 text-purple-800",
  FAILED: "bg-slate-200 text-slate-800",
};

export const SEVERITY_STYLE: Record<string, string> = {
  INFO: "bg-slate-100 text-slate-700",
  WARNING: "bg-yellow-100 text-yellow-800",
  ERROR: "bg-orange-100 text-orange-800",
  CRITICAL: "bg-red-100 text-red-800",
};

export const SOURCE_LABEL: Record<IncidentSource, string> = {
  ALERTMANAGER: "Alertmanager",
  API: "API",
  CONSOLE: "Console",
  DEMO: "Demo",
};

const SOURCE_STYLE: Record<IncidentSource, string> = {
  ALERTMANAGER: "bg-orange-50 text-orange-900 ring-1 ring-inset ring-orange-200",
  API: "bg-indigo-50 text-indigo-900 ring-1 ring-inset ring-indigo-200",
  CONSOLE: "bg-slate-50 text-slate-800 ring-1 ring-inset ring-slate-300",
  DEMO: "bg-fuchsia-50 text-fuchsia-900 ring-1 ring-inset ring-fuchsia-200",
};

export type MatchOutcome = TRemediationMatch["outcome"];

export const OUTCOME_STYLE: Record<MatchOutcome, string> = {
  SUBMITTED: "bg-emerald-100 text-emerald-800",
  DRY_RUN: "bg-sky-100 text-sky-800",
  BREAKER_TRIPPED: "bg-red-100 text-red-800",
  BREAKER_OPEN: "bg-red-100 text-red-800",
  FAILED: "bg-red-100 text-red-800",
};

export function Badge({ className, children, ...rest }: { className: string; children: ReactNode } & Record<`data-${string}`, string>) {
  return (
    <span className={`inline-block whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${className}`} {...rest}>
      {children}
    </span>
  );
}

export function StatusBadge({ status }: { status: IncidentStatus }) {
  return (
    <Badge className={STATUS_STYLE[status]} data-testid="incident-status" data-status={status}>
      {status}
    </Badge>
  );
}

export function SeverityBadge({ severity }: { severity: string }) {
  return <Badge className={SEVERITY_STYLE[severity] ?? "bg-slate-100 text-slate-700"}>{severity}</Badge>;
}

export function SourceBadge({ source }: { source: IncidentSource }) {
  return (
    <Badge className={SOURCE_STYLE[source]} data-testid="incident-source" data-source={source}>
      {SOURCE_LABEL[source]}
    </Badge>
  );
}

export function OutcomeBadge({ outcome }: { outcome: MatchOutcome }) {
  return (
    <Badge className={OUTCOME_STYLE[outcome]} data-testid="match-outcome" data-outcome={outcome}>
      {outcome}
    </Badge>
  );
}

/** detectedAt → resolvedAt in seconds, from the stored times; null while unresolved. */
export function mttrSeconds(incident: Pick<TIncidentSummary, "detectedAt" | "resolvedAt">): number | null {
  return incident.resolvedAt ? (Date.parse(incident.resolvedAt) - Date.parse(incident.detectedAt)) / 1000 : null;
}

/** The first eight characters of an id, as the operation pages show it. */
export const shortId = (id: string) => id.slice(0, 8);

export const INPUT = "w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm aria-[invalid=true]:border-red-400";
export const LABEL = "mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500";
export const PRIMARY = "rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:cursor-not-allowed disabled:opacity-50";
export const SECONDARY = "rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-50";
