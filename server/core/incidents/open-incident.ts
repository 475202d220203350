// An incident opened by a tool or a person (POST /api/v1/incidents, the
// console's "Open incident"): docs/incidents.md#the-incident-api. The row and
// its audit event commit together.
import { ZOpenIncidentInput } from "./incident-schemas";
import type { AuditRecord } from "../audit/types";
import type { Clock } from "../clock";
import type { RemediationDeps } from "../remediation/run-remediation-rules";
import type { IncidentSource, IncidentStore } from "./incident-store";
import { parseInput } from "../parse-input";

export interface OpenIncidentDeps {
  incidents: IncidentStore;
  audit: RemediationDeps["audit"];
  clock: Clock;
  newId(): string;
}

export async function openIncident(deps: OpenIncidentDeps, input: unknown, by: { actor: string; source: Extract<IncidentSource, "API" | "CONSOLE"> }): Promise<{ id: string; key: string }> {
  const request = parseInput(ZOpenIncidentInput, input, "incident");
  const id = deps.newId();
  const now = deps.clock.now();
  const correlationId = request.correlationId ?? `incident-${id}`;
  let records: AuditRecord[] = [];
  const created = await deps.incidents.transact(async (tx) => {
    const row = await deps.incidents.create(tx, {
      id,
      service: request.service,
      title: request.title,
      severity: request.severity,
      source: by.source,
      correlationId,
      groupKey: null,
      detectedAt: now,
      status: "OPEN",
      resolvedAt: null,
      resolvedBy: null,
      notes: request.note ? [{ at: now.toISOString(), by: by.actor, status: "OPEN", note: request.note }] : [],
    });
    records = await deps.audit.appendInTransaction(tx, [
      {
        category: "INCIDENT_DETECTION",
        severity: request.severity,
        actor: by.actor,
        action: "incident.opened",
        service: request.service,
        correlationId,
        payload: { incidentId: id, incidentKey: row.key, source: by.source, title: request.title, ...(request.note ? { note: request.note } : {}), detectedAt: now.toISOString() },
      },
    ]);
    return row;
  });
  deps.audit.committed(records);
  return created;
}
