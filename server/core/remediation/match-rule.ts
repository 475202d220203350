// Whether a rule matches a firing alert, and the operation it asks for with its
// parameters filled in from the alert (docs/incidents.md#remediation-rules).
// Pure functions.
import type { RemediationRule, RuleMatch } from "./types";

export interface AlertContext {
  service: string;
  labels: Record<string, string>;
  incident: { id: string; key: string };
  /** The label that names the service (the intake setting). */
  serviceLabel: string;
  severityLabel: string;
}

/** Every field the rule gives must equal the alert's label of that name. */
export function ruleMatches(match: RuleMatch, alert: AlertContext): boolean {
  if (match.alertname !== undefined && alert.labels.alertname !== match.alertname) return false;
  if (match.service !== undefined && alert.service !== match.service) return false;
  if (match.severity !== undefined && alert.labels[alert.severityLabel] !== match.severity) return false;
  for (const [name, value] of Object.entries(match.labels ?? {})) if (alert.labels[name] !== value) return false;
  return true;
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*\}\}/g;

/**
 * The rule's parameters with {{labels.NAME}}, {{service}}, {{alertname}},
 * {{severity}}, {{incident.key}} and {{incident.id}} replaced. A placeholder
 * with no value is an error naming it: a remediation is not submitted with a
 * hole in it.
 */
export function renderParams(rule: Pick<RemediationRule, "operation">, alert: AlertContext): { params: Record<string, string | number | boolean> } | { error: string } {
  const values: Record<string, string | undefined> = {
    service: alert.service,
    alertname: alert.labels.alertname,
    severity: alert.labels[alert.severityLabel],
    "incident.key": alert.incident.key,
    "incident.id": alert.incident.id,
  };
  const out: Record<string, string | number | boolean> = {};
  for (const [key, raw] of Object.entries(rule.operation.params)) {
    if (typeof raw !== "string") {
      out[key] = raw;
      continue;
    }
    let missing: string | null = null;
    const rendered = raw.replace(PLACEHOLDER, (_, name: string) => {
      const value = name.startsWith("labels.") ? alert.labels[name.slice("labels.".length)] : values[name];
      if (value === undefined) missing ??= name;
      return value ?? "";
    });
    if (missing !== null) return { error: `parameter ${key}: the alert has no value for {{${missing}}}` };
    out[key] = rendered;
  }
  return { params: out };
}
