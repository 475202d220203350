import type { AuditLog } from "../audit/audit-log";
import type { AuditEventInput, AuditRecord } from "../audit/types";
import type { Clock } from "../clock";
import { AppError } from "../errors";
import { GroupCommit } from "./group-commit";
import type { NewOperation, OperationRecord, OperationStore } from "./ports";
import { prepareOperation } from "./submission";
import { breakGlassEvent } from "../freezes/break-glass-event";

export interface SubmitOutcome {
  operation: OperationRecord;
  /** ACCEPTED: a new operation; ALREADY_RUNNING: the same work was already submitted (docs/specification.md#duplicate-submissions). */
  result: "ACCEPTED" | "ALREADY_RUNNING";
}

type Attempt = { created: true; operation: OperationRecord } | { created: false; existing: OperationRecord | null; unknownService?: boolean; unknownIncident?: boolean };

/**
 * `submit` persists the operation and returns at once; workers drive it. A
 * submission with an Idempotency-Key already used, or identical (service,
 * type, params) to an unfinished operation, returns that operation with
 * ALREADY_RUNNING instead of starting a second one; the store's unique keys
 * decide, so this holds across processes. A key reused for different work is
 * refused. Concurrent submissions are inserted in one transaction.
 */
export class OperationSubmitter {
  private readonly group: GroupCommit<NewOperation, Attempt>;

  constructor(
    private readonly deps: {
      store: OperationStore;
      audit: AuditLog;
      clock: Clock;
      newId: () => string;
      onSubmitted: () => void;
      /** The executor's own check of the parameters (a runbook's schema), before anything is stored. */
      validate?: (op: NewOperation) => void;
    },
    maxBatch: number,
  ) {
    this.group = new GroupCommit((ops) => this.insertBatch(ops), maxBatch);
  }

  async submit(input: unknown): Promise<SubmitOutcome> {
    const prepared = prepareOperation(input, this.deps.newId(), this.deps.clock.now());
    this.deps.validate?.(prepared);
    // The holder of a key can finish between our insert and our read of it; then the key is free again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const outcome = await this.group.submit(prepared);
      if (outcome.created) {
        this.deps.onSubmitted();
        return { operation: outcome.operation, result: "ACCEPTED" };
      }
      if (outcome.existing) {
        assertSameWork(prepared, outcome.existing);
        return { operation: outcome.existing, result: "ALREADY_RUNNING" };
      }
      if (outcome.unknownService) {
        throw new AppError("NOT_FOUND", `Service "${prepared.service}" is not in the dependency graph; import it before submitting operations on it`, { service: prepared.service });
      }
      if (outcome.unknownIncident) {
        throw new AppError("NOT_FOUND", `No incident ${prepared.incidentId}: an operation can only be linked to an incident that exists`, { incidentId: prepared.incidentId });
      }
    }
    throw new AppError("UNAVAILABLE", "The submission kept colliding with operations that finished as it was written; try again");
  }

  private async insertBatch(ops: NewOperation[]): Promise<Attempt[]> {
    let records: AuditRecord[] = [];
    const outcomes = await this.deps.store.transact(async (tx) => {
      const outcomes = await this.deps.store.insertOperations(tx, ops);
      const events: AuditEventInput[] = [];
      outcomes.forEach((outcome, i) => {
        const op = ops[i]!;
        if (outcome.created) events.push(submittedEvent(op), ...(op.breakGlass ? [breakGlassEvent({ ...op, state: "INIT" }, op.breakGlass, null)] : []));
        else if (outcome.existing) events.push(duplicateEvent(op, outcome.existing));
      });
      if (events.length > 0) records = await this.deps.audit.appendInTransaction(tx, events);
      return outcomes;
    });
    this.deps.audit.committed(records);
    // Not inserted and no key holder: a holder that just finished (the caller tries
    // again), or a service or incident the store does not know (refused, for this item only).
    const missing = ops.filter((_, i) => !outcomes[i]!.created && !(outcomes[i] as { existing: unknown }).existing);
    if (missing.length === 0) return outcomes;
    const known = await this.deps.store.knownServices([...new Set(missing.map((op) => op.service))]);
    const incidents = await this.deps.store.knownIncidents([...new Set(missing.flatMap((op) => (op.incidentId ? [op.incidentId] : [])))]);
    return outcomes.map((o, i) => {
      if (o.created || o.existing) return o;
      const op = ops[i]!;
      return { created: false, existing: null, unknownService: !known.has(op.service), unknownIncident: op.incidentId !== null && !incidents.has(op.incidentId) };
    });
  }
}

function assertSameWork(prepared: NewOperation, existing: OperationRecord): void {
  if (prepared.idempotencyKey === null || existing.idempotencyKey !== prepared.idempotencyKey) return;
  const same = existing.service === prepared.service && existing.type === prepared.type && existing.paramsHash === prepared.paramsHash;
  if (!same) {
    throw new AppError("CONFLICT", `Idempotency-Key "${prepared.idempotencyKey}" was already used for a different operation (${existing.type} on ${existing.service}, ${existing.id}); use a new key for new work`, {
      idempotencyKey: prepared.idempotencyKey,
      existingOperationId: existing.id,
    });
  }
}

function submittedEvent(op: NewOperation): AuditEventInput {
  return {
    category: "STATE_TRANSITION",
    severity: "INFO",
    actor: op.actor,
    action: "operation.submitted",
    service: op.service,
    operationId: op.id,
    correlationId: op.correlationId,
    payload: { type: op.type, to: "INIT", version: 0, params: op.params, idempotencyKey: op.idempotencyKey, locks: op.lockKeys.map((k) => ({ scope: k.scope, resource: k.resource, mode: k.mode })) },
  };
}

function duplicateEvent(op: NewOperation, existing: OperationRecord): AuditEventInput {
  return {
    category: "CONFLICT_DETECTION",
    severity: "WARNING",
    actor: op.actor,
    action: "operation.duplicate_submission",
    service: op.service,
    operationId: existing.id,
    correlationId: existing.correlationId,
    payload: { type: op.type, existingState: existing.state, matchedBy: op.idempotencyKey !== null && existing.idempotencyKey === op.idempotencyKey ? "idempotency_key" : "same_service_type_params", result: "ALREADY_RUNNING" },
  };
}
