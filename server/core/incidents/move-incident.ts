// A person or a tool moves an incident on (PATCH /api/v1/incidents/{id}):
// acknowledged, mitigating, resolved, each with an optional note, each
// audited (docs/incidents.md#states). A person's mitigation or resolution is a
// manual step (MANUAL_INTERVENTION), which is what the auto-heal KPI looks for.
import { ZMoveIncidentInput } from "./incident-schemas";
import type { AuditRecord } from "../audit/types";
import { AppError } from "../errors";
import type { IncidentMoveRow, IncidentState } from "./incident-store";
import type { OpenIncidentDeps } from "./open-incident";
import type { IncidentStatus } from "./ports";
import { parseInput } from "../parse-input";

export type IncidentMove = "ACKNOWLEDGED" | "MITIGATING" | "RESOLVED";

const ORDER: Record<IncidentStatus, number> = { OPEN: 0, ACKNOWLEDGED: 1, MITIGATING: 2, ESCALATED: 2, FAILED: 2, RESOLVED: 3 };

/**
 * The row change for a move, or INVALID_TRANSITION saying why not. Pure.
 * Forward only: OPEN → ACKNOWLEDGED → MITIGATING → RESOLVED, a later state may
 * be reached directly; RESOLVED is final; asking for the state it is in is
 * refused too, so that a retried request does not add a second note.
 */
export function planIncidentMove(incident: Pick<IncidentState, "key" | "status" | "detectedAt">, to: IncidentMove, by: string, now: Date, note: string | undefined): IncidentMoveRow {
  if (incident.status === "RESOLVED") throw new AppError("INVALID_TRANSITION", `${incident.key} is resolved already: a resolved incident does not move (open a new one if the problem is back)`, { from: incident.status, to });
  if (incident.status === to) throw new AppError("INVALID_TRANSITION", `${incident.key} is ${to.toLowerCase()} already`, { from: incident.status, to });
  if (ORDER[to] < ORDER[incident.status]) throw new AppError("INVALID_TRANSITION", `${incident.key} is ${incident.status.toLowerCase()}: it cannot go back to ${to.toLowerCase()}`, { from: incident.status, to });
  // A move is never recorded before the incident was detected (a clock behind the detector's).
  const at = new Date(Math.max(now.getTime(), incident.detectedAt.getTime()));
  const row: IncidentMoveRow = { status: to, ...(note ? { note: { at: at.toISOString(), by, status: to, note } } : {}) };
  if (to === "ACKNOWLEDGED") row.acknowledged = { at, by };
  if (to === "MITIGATING") row.mitigating = { at };
  if (to === "RESOLVED") row.resolved = { at, by };
  return row;
}

export async function moveIncident(deps: OpenIncidentDeps, id: string, input: unknown, by: { actor: string; human: boolean }): Promise<{ status: IncidentStatus }> {
  const { status: to, note } = parseInput(ZMoveIncidentInput, input, "incident move");
  let records: AuditRecord[] = [];
  await deps.incidents.transact(async (tx) => {
    const incident = await deps.incidents.lockIncident(tx, id);
    if (!incident) throw new AppError("NOT_FOUND", `No incident ${id}`, { id });
    const row = planIncidentMove(incident, to, by.actor, deps.clock.now(), note);
    await deps.incidents.move(tx, id, row);
    const manual = by.human && to !== "ACKNOWLEDGED";
    const at = (row.acknowledged ?? row.mitigating ?? row.resolved)!.at;
    records = await deps.audit.appendInTransaction(tx, [
      {
        category: manual ? "MANUAL_INTERVENTION" : "INCIDENT_DETECTION",
        severity: "INFO",
        actor: by.actor,
        action: `incident.${to.toLowerCase()}`,
        service: incident.service,
        correlationId: incident.correlationId,
        payload: {
          incidentId: id,
          incidentKey: incident.key,
          from: incident.status,
          to,
          ...(note ? { note } : {}),
          ...(to === "RESOLVED" ? { title: incident.key, detectedAt: incident.detectedAt.toISOString(), resolvedAt: at.toISOString(), by: by.actor } : {}),
        },
      },
    ]);
  });
  deps.audit.committed(records);
  return { status: to };
}
