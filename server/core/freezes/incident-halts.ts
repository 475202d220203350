// Halts held by open incidents (docs/freezes.md#halts-from-incidents): while
// an incident of the chosen severity or worse is unresolved on a service, new
// changes to that service stop, except the incident's own response. Derived
// from the incident on every read, never stored: it starts when the incident
// is opened and ends when it is resolved, with nothing to keep in step.
import { AUDIT_SEVERITIES, type AuditSeverity } from "../audit/types";
import type { OperationType } from "../operations/types";
import type { OpenIncidentForHalt } from "./halt-store";
import type { Halt } from "./types";

/** The prefix of an incident halt's id: `incident:<incident id>`. */
export const INCIDENT_HALT_PREFIX = "incident:";

/**
 * What an incident halt holds back: the changes that are not the incident's
 * response. Rollbacks (exempt from every halt unless it says otherwise),
 * remediations and verifications stay open, so the remediation rules and the
 * people fixing the incident are not stopped by it.
 */
export const INCIDENT_HALT_TYPES: OperationType[] = ["DEPLOYMENT", "CONFIG_CHANGE", "MAINTENANCE"];

/** `threshold` and the severities above it. Pure. */
export function severitiesAtLeast(threshold: AuditSeverity): AuditSeverity[] {
  return AUDIT_SEVERITIES.slice(AUDIT_SEVERITIES.indexOf(threshold));
}

/** The halt an open incident holds. Pure. */
export function incidentHalt(incident: OpenIncidentForHalt): Halt {
  return {
    id: `${INCIDENT_HALT_PREFIX}${incident.id}`,
    scope: { services: [incident.service], teams: [], tiers: [], types: [...INCIDENT_HALT_TYPES] },
    action: "BLOCK",
    reason: `Incident ${incident.key} (${incident.severity}) is open on ${incident.service}: ${incident.title}`,
    // Whoever took the incident on answers for it; until someone does, its commander, whoever that turns out to be.
    owner: incident.acknowledgedBy ?? "incident commander",
    createdBy: incident.openedBy ?? "system",
    since: incident.detectedAt,
    includesRollbacks: false,
    breakGlassRole: "APPROVER",
    source: "INCIDENT",
    incidentId: incident.id,
    liftedAt: null,
    liftedBy: null,
    liftReason: null,
  };
}
