"use client";

// Pieces shared by the remediation rule pages (docs/incidents.md#remediation-rules):
// how a rule's match, operation, mode and breaker are shown, and the
// key=value lines the form edits labels and parameters with.
import type { REMEDIATION_MODES } from "@/lib/api/incidents";
import type { TRemediationRule } from "@/lib/api/remediation";
import { Time } from "@/components/ui/time";
import { Badge } from "../incidents/common";

export type Mode = (typeof REMEDIATION_MODES)[number];

export const MODE_LABEL: Record<Mode, string> = {
  DRY_RUN: "Dry run",
  AUTO: "Auto",
  ASK: "Ask",
};

export const MODE_HINT: Record<Mode, string> = {
  DRY_RUN: "records what it would submit, submits nothing",
  AUTO: "submits the operation",
  ASK: "submits the operation for a person's approval",
};

const MODE_STYLE: Record<Mode, string> = {
  DRY_RUN: "bg-sky-100 text-sky-800",
  AUTO: "bg-emerald-100 text-emerald-800",
  ASK: "bg-amber-100 text-amber-800",
};

export function ModeBadge({ mode }: { mode: Mode }) {
  return (
    <Badge className={MODE_STYLE[mode]} data-testid="rule-mode" data-mode={mode}>
      {MODE_LABEL[mode]}
    </Badge>
  );
}

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return <Badge className={enabled ? "bg-emerald-50 text-emerald-800 ring-1 ring-inset ring-emerald-200" : "bg-slate-100 text-slate-600"}>{enabled ? "enabled" : "disabled"}</Badge>;
}

/** "alertname=HighErrorRate, service=payment-service, env=prod". */
export function matchSummary(match: TRemediationRule["match"]): string {
  const parts: string[] = [];
  if (match.alertname !== undefined) parts.push(`alertname=${match.alertname}`);
  if (match.service !== undefined) parts.push(`service=${match.service}`);
  if (match.severity !== undefined) parts.push(`severity=${match.severity}`);
  for (const [k, v] of Object.entries(match.labels ?? {})) parts.push(`${k}=${v}`);
  return parts.join(", ");
}

/** The match, one condition a line (for narrow table cells). */
export function MatchLines({ match }: { match: TRemediationRule["match"] }) {
  return (
    <ul className="font-mono text-xs">
      {matchSummary(match)
        .split(", ")
        .map((part) => (
          <li key={part} className="[overflow-wrap:anywhere]">
            {part}
          </li>
        ))}
    </ul>
  );
}

/** The operation: its type and priority, then one parameter a line (for narrow table cells). */
export function OperationLines({ operation }: { operation: TRemediationRule["operation"] }) {
  return (
    <div className="text-xs">
      <p>
        <span className="font-mono font-semibold">{operation.type}</span>
        {operation.priority ? <span className="text-slate-500"> · priority {operation.priority}</span> : null}
      </p>
      <ul className="font-mono text-slate-700">
        {Object.entries(operation.params).map(([k, v]) => (
          <li key={k} className="[overflow-wrap:anywhere]">
            {k}={String(v)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** "ROLLBACK service={{service}} (priority HIGH)". */
export function operationSummary(operation: TRemediationRule["operation"]): string {
  const params = Object.entries(operation.params).map(([k, v]) => `${k}=${String(v)}`);
  return [operation.type, ...params].join(" ") + (operation.priority ? ` (priority ${operation.priority})` : "");
}

/** The breaker: closed with its limits, or tripped (in red) with when and why. */
export function BreakerState({ rule }: { rule: Pick<TRemediationRule, "trippedAt" | "trippedReason" | "breaker"> }) {
  const limits = `at most ${rule.breaker.maxPerIncident} per incident, ${rule.breaker.maxPerHourPerService} per service per hour`;
  if (rule.trippedAt) {
    return (
      <div className="text-red-800" data-testid="breaker-state" data-tripped="true">
        <p className="font-semibold">
          Tripped <Time iso={rule.trippedAt} />
        </p>
        {rule.trippedReason && <p className="text-xs">{rule.trippedReason}</p>}
        <p className="text-xs text-red-700">Submits nothing until an admin resets it · {limits}</p>
      </div>
    );
  }
  return (
    <div data-testid="breaker-state" data-tripped="false">
      <p className="text-emerald-800">Closed</p>
      <p className="text-xs text-slate-500">{limits}</p>
    </div>
  );
}

/** key=value lines → an object; blank lines are skipped, a line without "=" is an error naming its number. */
export function parseLines(text: string, what: string): { value: Record<string, string>; problem: string | null } {
  const value: Record<string, string> = {};
  const lines = text.split("\n");
  for (const [n, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.indexOf("=");
    if (at <= 0) return { value, problem: `${what}, line ${n + 1}: write key=value` };
    value[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return { value, problem: null };
}

export function formatLines(record: Record<string, string | number | boolean> | undefined): string {
  return Object.entries(record ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join("\n");
}
