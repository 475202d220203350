// Lifting a halt (POST /api/v1/halts/{id}/lift): an approver or admin, with a
// reason, audited in the same transaction and told at ERROR like the call
// (docs/freezes.md#lifting). A halt is lifted once: the second lift is refused
// naming who lifted it. A halt an incident holds is not lifted by hand.
import type { AuditRecord } from "../audit/types";
import { AppError } from "../errors";
import { parseInput } from "../parse-input";
import { assertMayHalt, haltPayload, type HaltCaller, type HaltDeps } from "./call-halt";
import { ZLiftHaltInput } from "./halt-schemas";
import type { StoredHalt } from "./halt-store";
import { INCIDENT_HALT_PREFIX } from "./incident-halts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function liftHalt(deps: HaltDeps, id: string, input: unknown, by: HaltCaller): Promise<StoredHalt> {
  assertMayHalt(by, "lift a halt");
  if (id.startsWith(INCIDENT_HALT_PREFIX)) {
    const incidentId = id.slice(INCIDENT_HALT_PREFIX.length);
    throw new AppError(
      "CONFLICT",
      `This halt is held by incident ${incidentId}, not by a person: it ends when the incident is resolved. Resolve the incident, or have an admin turn "halt on incident severity" off in the incident settings; it cannot be lifted by hand.`,
      { id, incidentId, source: "INCIDENT" },
    );
  }
  const { reason } = parseInput(ZLiftHaltInput, input, "lift");
  if (!UUID.test(id)) throw new AppError("NOT_FOUND", `No halt ${id}`, { id });
  let records: AuditRecord[] = [];
  const lifted = await deps.halts.transact(async (tx) => {
    const halt = await deps.halts.lock(tx, id);
    if (!halt) throw new AppError("NOT_FOUND", `No halt ${id}`, { id });
    if (halt.liftedAt) {
      throw new AppError("CONFLICT", `This halt was lifted already, by ${halt.liftedBy ?? "someone"} at ${halt.liftedAt.toISOString()}: ${halt.liftReason ?? "no reason recorded"}`, {
        id,
        liftedBy: halt.liftedBy,
        liftedAt: halt.liftedAt.toISOString(),
        liftReason: halt.liftReason,
      });
    }
    // Never lifted before it was called (a clock behind the caller's).
    const at = new Date(Math.max(deps.clock.now().getTime(), halt.since.getTime()));
    await deps.halts.lift(tx, id, { at, by: by.actor, reason });
    const after: StoredHalt = { ...halt, liftedAt: at, liftedBy: by.actor, liftReason: reason };
    records = await deps.audit.appendInTransaction(tx, [
      {
        category: "MANUAL_INTERVENTION",
        severity: "ERROR",
        actor: by.actor,
        action: "halt.lifted",
        service: halt.scope.services.length === 1 ? halt.scope.services[0]! : null,
        correlationId: `halt-${halt.id}`,
        payload: { ...haltPayload(halt), liftedBy: by.actor, liftedAt: at.toISOString(), liftReason: reason, heldMs: at.getTime() - halt.since.getTime() },
      },
    ]);
    return after;
  });
  deps.audit.committed(records);
  return lifted;
}
