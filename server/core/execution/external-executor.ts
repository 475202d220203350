import type { AuditLog } from "../audit/audit-log";
import type { AuditEventInput, AuditSeverity, JsonValue } from "../audit/types";
import type { Clock } from "../clock";
import type { ExecutionContext, ExecutionOutcome, OperationExecutor, WithdrawOutcome } from "../executors/ports";
import { outcomeCategory } from "../operations/audit-events";
import type { OperationStore } from "../operations/ports";
import type { OperationSnapshot } from "../operations/types";
import { DEFAULT_LEASE_SECONDS } from "../operations/submission";
import { deadlineAfter, expiryOf, type ExecutionLease } from "./lease";
import type { ExecutionLeaseStore } from "./ports";

export interface ExternalExecutorDeps {
  leases: ExecutionLeaseStore;
  store: Pick<OperationStore, "get" | "transact">;
  audit: AuditLog;
  clock: Clock;
  /** How often the running execution reads its lease back (a report may land on any replica). */
  pollMs: number;
}

/**
 * The executor of an operation its submitter carries out (docs/execution.md).
 * It holds the operation's locks the way every executor does (the worker
 * renews them), grants the submitter an execution lease with the SERVICE
 * lock's fencing token, and waits for what the submitter reports through the
 * API: the outcome ends the execution with it; a lease whose deadline passes
 * without a heartbeat fails the operation, so its locks are released. Reports
 * go through the store, not this process: any replica may take them, and a
 * worker that takes the operation over after a crash picks the same lease up.
 */
export class ExternalExecutor implements OperationExecutor {
  readonly name = "external";

  constructor(private readonly deps: ExternalExecutorDeps) {}

  async execute(ctx: ExecutionContext): Promise<ExecutionOutcome> {
    const granted = await this.grant(ctx);
    if (granted.outcome) return granted.outcome;
    for (;;) {
      await pause(this.deps.pollMs, ctx.signal);
      const lease = await this.deps.leases.get(ctx.operation.id);
      if (!lease) return { status: "FAILED", summary: "The execution lease disappeared from the store", detail: {} };
      const ended = outcomeOfEnded(lease);
      if (ended) return ended;
      if (expiryOf(lease, this.deps.clock.now())) {
        const outcome = await this.expire(ctx.operation);
        if (outcome) return outcome;
      }
    }
  }

  /** A person paused the operation: the lease is held (no deadline); the submitter's next heartbeat is told to hold. */
  async hold(ctx: ExecutionContext, why: string): Promise<void> {
    await this.change(ctx.operation, (lease) => (lease.state === "ACTIVE" ? { changes: { state: "HELD", holdReason: why, deadline: null }, action: "execution.lease_held", severity: "WARNING", payload: { reason: why } } : null));
  }

  /** A person aborted it: the lease is revoked, so the submitter's next report is refused and it stops. Interlock cannot undo what the submitter changed. */
  async withdraw(ctx: ExecutionContext, why: string): Promise<WithdrawOutcome> {
    const at = this.deps.clock.now();
    await this.change(ctx.operation, (lease) =>
      lease.state === "ACTIVE" || lease.state === "HELD" ? { changes: { state: "REVOKED", endReason: why, endedAt: at, deadline: null }, action: "execution.lease_revoked", severity: "WARNING", payload: { reason: why } } : null,
    );
    return { undone: false, summary: "The submitter's execution lease was revoked: it is told to stop at its next heartbeat. Interlock cannot undo what it already changed", detail: { executor: this.name } };
  }

  /**
   * The first grant writes the lease; a run resumed after a pause re-activates
   * it with a fresh deadline; a run resumed after its worker died takes the
   * lease as it is (the submitter keeps its token). A lease that already
   * ended gives its outcome at once.
   */
  private async grant(ctx: ExecutionContext): Promise<{ outcome: ExecutionOutcome | null }> {
    const op = ctx.operation;
    const record = await this.deps.store.get(op.id);
    const leaseSeconds = record?.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    const service = ctx.fences.find((f) => f.key.scope === "SERVICE" && f.key.resource === op.service) ?? ctx.fences.at(-1);
    if (!service) return { outcome: { status: "FAILED", summary: "No lock is held for the operation, so there is no fencing token to grant", detail: {} } };
    ctx.assertFenced();
    const now = this.deps.clock.now();
    return this.deps.store.transact(async (tx) => {
      const lease = await this.deps.leases.getForUpdate(tx, op.id);
      if (!lease) {
        const fresh: ExecutionLease = {
          operationId: op.id,
          fencingToken: service.fencingToken,
          fences: ctx.fences.map((f) => ({ scope: f.key.scope, resource: f.key.resource, fencingToken: f.fencingToken })),
          state: "ACTIVE",
          leaseSeconds,
          deadline: deadlineAfter({ leaseSeconds }, now),
          grantedAt: now,
          lastHeartbeatAt: null,
          heartbeats: 0,
          holdReason: null,
          endedAt: null,
          endReason: null,
          outcome: null,
        };
        await this.deps.leases.insert(tx, fresh);
        await this.deps.audit.appendInTransaction(tx, [
          leaseEvent(op, "INFO", "execution.lease_granted", {
            fencingToken: fresh.fencingToken.toString(),
            fences: fresh.fences.map((f) => ({ scope: f.scope, resource: f.resource, fencingToken: f.fencingToken.toString() })),
            leaseSeconds,
            deadline: fresh.deadline!.toISOString(),
            attempt: ctx.attempt,
          }),
        ]);
        return { outcome: null };
      }
      const ended = outcomeOfEnded(lease);
      if (ended) return { outcome: ended };
      if (lease.state === "HELD") {
        const deadline = deadlineAfter(lease, now);
        await this.deps.leases.update(tx, op.id, { state: "ACTIVE", holdReason: null, deadline });
        await this.deps.audit.appendInTransaction(tx, [leaseEvent(op, "INFO", "execution.lease_resumed", { deadline: deadline.toISOString(), attempt: ctx.attempt })]);
      }
      return { outcome: null };
    });
  }

  /** The deadline passed: the lease expires (once, whichever of this run or a late report sees it first) and the operation fails. */
  private async expire(op: OperationSnapshot): Promise<ExecutionOutcome | null> {
    const now = this.deps.clock.now();
    return this.deps.store.transact(async (tx) => {
      const lease = await this.deps.leases.getForUpdate(tx, op.id);
      if (!lease) return null;
      const ended = outcomeOfEnded(lease);
      if (ended) return ended;
      const why = expiryOf(lease, now);
      if (!why) return null; // a heartbeat came in meanwhile
      await this.deps.leases.update(tx, op.id, { state: "EXPIRED", endReason: why, endedAt: now, deadline: null });
      await this.deps.audit.appendInTransaction(tx, [leaseEvent(op, "ERROR", "execution.lease_expired", { reason: why, heartbeats: lease.heartbeats, lastHeartbeatAt: lease.lastHeartbeatAt?.toISOString() ?? null })]);
      return { status: "FAILED", summary: why, detail: { lease: "EXPIRED", heartbeats: lease.heartbeats } };
    });
  }

  private async change(
    op: OperationSnapshot,
    decide: (lease: ExecutionLease) => { changes: Parameters<ExecutionLeaseStore["update"]>[2]; action: string; severity: AuditSeverity; payload: { [key: string]: JsonValue } } | null,
  ): Promise<void> {
    await this.deps.store.transact(async (tx) => {
      const lease = await this.deps.leases.getForUpdate(tx, op.id);
      const move = lease ? decide(lease) : null;
      if (!move) return;
      await this.deps.leases.update(tx, op.id, move.changes);
      await this.deps.audit.appendInTransaction(tx, [leaseEvent(op, move.severity, move.action, move.payload)]);
    });
  }
}

/** The execution's outcome once the lease has ended, or null while it runs. */
function outcomeOfEnded(lease: ExecutionLease): ExecutionOutcome | null {
  if (lease.state === "COMPLETED" && lease.outcome) {
    return { status: lease.outcome.status, summary: lease.outcome.summary, detail: { ...lease.outcome.detail, reportedBy: "submitter", reportedAt: lease.outcome.reportedAt, heartbeats: lease.heartbeats } };
  }
  if (lease.state === "EXPIRED" || lease.state === "REVOKED") {
    return { status: "FAILED", summary: lease.endReason ?? `The execution lease was ${lease.state.toLowerCase()}`, detail: { lease: lease.state, heartbeats: lease.heartbeats } };
  }
  return null;
}

export function leaseEvent(op: Pick<OperationSnapshot, "id" | "type" | "service" | "correlationId">, severity: AuditSeverity, action: string, payload: { [key: string]: JsonValue }, actor = "system"): AuditEventInput {
  return { category: outcomeCategory(op.type), severity, actor, action, service: op.service, operationId: op.id, correlationId: op.correlationId, payload };
}

/** Waits `ms` of real time (a lease is real time, whatever the simulation's scale); rejects with the signal's reason when it aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
