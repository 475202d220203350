// Writes Alertmanager notifications to the store in batches
// (docs/incidents.md#alertmanager-intake): notifications that arrive together
// share one transaction, and so one hold of the audit chain's lock, which
// every audited write takes until it commits. Within a batch they are applied
// in arrival order, each seeing the ones before it.
//
// Locks, always in this order, so that two batches (in any processes) never
// wait on each other in a cycle: every alert group of the batch (advisory,
// in key order), each group's open incident (one per group, in the same
// order), the matched remediation rules (in id order), the audit chain.
import type { AuditEventInput, AuditRecord } from "../audit/types";
import type { Clock } from "../clock";
import { GroupCommit } from "../operations/group-commit";
import { decideRemediations, type FiredAlert, type PendingRemediation, type RemediationDeps } from "../remediation/run-remediation-rules";
import type { RemediationStore } from "../remediation/ports";
import type { RemediationRule } from "../remediation/types";
import type { AlertmanagerAlert } from "./alertmanager-payload";
import type { IncidentSettings } from "./incident-settings";
import type { IncidentStore } from "./incident-store";
import { planGroupIntake, type AlertChange } from "./plan-alert-intake";

export const ALERTMANAGER_ACTOR = "alertmanager";

/** One notification, validated: its alerts by group. */
export interface IntakeItem {
  groups: Map<string, { service: string; alerts: AlertmanagerAlert[] }>;
  receiver: string;
  receivedBy: string;
  intake: IncidentSettings["intake"];
  /** The enabled remediation rules (empty: none run). */
  rules: RemediationRule[];
}

export interface IntakeGroupResult {
  groupKey: string;
  service: string;
  incidentId: string | null;
  incidentKey: string | null;
  /** opened, updated, resolved (by this notification), or unchanged (a redelivery, a late copy). */
  result: "opened" | "updated" | "resolved" | "unchanged";
  alerts: { fingerprint: string; alertname: string; change: AlertChange }[];
}

export interface IntakeItemOutcome {
  /** Whether the notification changed any incident or alert. */
  changed: boolean;
  groups: IntakeGroupResult[];
  /** The rules' decisions, committed; their operations are still to be submitted. */
  pending: PendingRemediation[];
}

export interface IntakeWriterDeps {
  incidents: IncidentStore;
  audit: RemediationDeps["audit"];
  clock: Clock;
  newId(): string;
  /** Absent: no rule runs. */
  remediation?: RemediationStore;
}

export class IntakeWriter {
  private readonly batches: GroupCommit<IntakeItem, IntakeItemOutcome>;

  constructor(
    private readonly deps: IntakeWriterDeps,
    options: { maxBatch?: number; maxInFlight?: number } = {},
  ) {
    // Two batches at once: one's reads and writes overlap the other's commit; they meet only at the locks above.
    this.batches = new GroupCommit((items) => this.writeBatch(items), options.maxBatch ?? 64, options.maxInFlight ?? 2);
  }

  write(item: IntakeItem): Promise<IntakeItemOutcome> {
    return this.batches.submit(item);
  }

  private async writeBatch(items: IntakeItem[]): Promise<IntakeItemOutcome[]> {
    const { incidents, audit, clock, newId } = this.deps;
    let records: AuditRecord[] = [];
    const outcomes = await incidents.transact(async (tx) => {
      const now = clock.now();
      await incidents.lockGroups(tx, [...new Set(items.flatMap((item) => [...item.groups.keys()]))].sort());
      const events: AuditEventInput[] = [];
      const out: IntakeItemOutcome[] = [];
      const fired: FiredAlert[] = [];
      for (const [index, item] of items.entries()) {
        const outcome: IntakeItemOutcome = { changed: false, groups: [], pending: [] };
        for (const groupKey of [...item.groups.keys()].sort()) {
          const { service, alerts } = item.groups.get(groupKey)!;
          const { open, previous } = await incidents.readGroup(tx, groupKey, alerts.map((a) => a.fingerprint));
          // The open incident's own records come first: they are the ones a redelivery is compared with.
          for (const alert of open?.alerts ?? []) previous.set(alert.fingerprint, alert);
          const plan = planGroupIntake({ groupKey, service, alerts, open, previous, intake: item.intake, now });
          const changes = plan.changes.map((c) => ({ fingerprint: c.fingerprint, alertname: c.alertname, change: c.change }));
          if (plan.action === "none") {
            outcome.groups.push({ groupKey, service, incidentId: open?.id ?? null, incidentKey: open?.key ?? null, result: "unchanged", alerts: changes });
            continue;
          }
          outcome.changed = true;
          let incident: { id: string; key: string; correlationId: string };
          if (plan.action === "open") {
            const id = newId();
            const correlationId = `incident-${id}`;
            const created = await incidents.create(tx, {
              id,
              service,
              title: plan.incident!.title,
              severity: plan.incident!.severity,
              source: "ALERTMANAGER",
              correlationId,
              groupKey,
              detectedAt: plan.incident!.detectedAt,
              status: plan.resolvedAt ? "RESOLVED" : "OPEN",
              resolvedAt: plan.resolvedAt,
              resolvedBy: plan.resolvedAt ? ALERTMANAGER_ACTOR : null,
              notes: [],
            });
            incident = { ...created, correlationId };
            events.push({
              category: "INCIDENT_DETECTION",
              severity: plan.severity,
              actor: ALERTMANAGER_ACTOR,
              action: "incident.opened",
              service,
              correlationId,
              payload: { incidentId: id, incidentKey: created.key, source: "ALERTMANAGER", title: plan.incident!.title, groupKey, receiver: item.receiver, receivedBy: item.receivedBy, alerts: changes, detectedAt: plan.incident!.detectedAt.toISOString() },
            });
          } else {
            incident = { id: open!.id, key: open!.key, correlationId: open!.correlationId };
            if (plan.resolvedAt || plan.severity !== open!.severity) await incidents.move(tx, incident.id, { severity: plan.severity, ...(plan.resolvedAt ? { status: "RESOLVED", resolved: { at: plan.resolvedAt, by: ALERTMANAGER_ACTOR } } : {}) });
            events.push({
              category: "INCIDENT_DETECTION",
              severity: "INFO",
              actor: ALERTMANAGER_ACTOR,
              action: "incident.alerts_updated",
              service,
              correlationId: incident.correlationId,
              payload: { incidentId: incident.id, incidentKey: incident.key, groupKey, receivedBy: item.receivedBy, alerts: changes, severity: plan.severity },
            });
          }
          await incidents.writeAlerts(tx, incident.id, plan.writes, now);
          if (plan.resolvedAt) {
            const detectedAt = plan.action === "open" ? plan.incident!.detectedAt : open!.detectedAt;
            events.push({
              category: "INCIDENT_DETECTION",
              severity: "INFO",
              actor: ALERTMANAGER_ACTOR,
              action: "incident.resolved",
              service,
              correlationId: incident.correlationId,
              payload: { incidentId: incident.id, incidentKey: incident.key, title: plan.incident?.title ?? incident.key, detectedAt: detectedAt.toISOString(), resolvedAt: plan.resolvedAt.toISOString(), by: ALERTMANAGER_ACTOR },
            });
          } else {
            if (item.rules.length > 0) for (const alert of plan.firing) fired.push({ owner: index, incident: { ...incident, service }, alert, labels: { serviceLabel: item.intake.serviceLabel, severityLabel: item.intake.severityLabel } });
          }
          outcome.groups.push({ groupKey, service, incidentId: incident.id, incidentKey: incident.key, result: plan.resolvedAt ? "resolved" : plan.action === "open" ? "opened" : "updated", alerts: changes });
        }
        out.push(outcome);
      }
      if (this.deps.remediation && fired.length > 0) {
        // One decision pass for the whole batch, so the rules are locked once, in id order; every rule any
        // notification read is a candidate, re-read under its lock before it is matched and decided.
        const rules = [...new Map(items.flatMap((item) => item.rules.map((rule) => [rule.id, rule] as const))).values()];
        const decided = await decideRemediations(tx, { remediation: this.deps.remediation, newId }, { fired, rules, now });
        for (const { owner, ...pending } of decided.pending) out[owner]!.pending.push(pending);
        events.push(...decided.events);
      }
      records = events.length ? await audit.appendInTransaction(tx, events) : [];
      return out;
    });
    audit.committed(records);
    return outcomes;
  }
}
