// An admin approves removals a source proposed (POST /api/v1/graph/changes/{id}/approve,
// docs/graph-sources.md#held-changes). The decision is taken first (PENDING →
// APPROVED with its audit event, one transaction), so a reject cannot also
// win; then what is still removable is recomputed against the graph as it is
// now and applied through applyGraphChange. If that apply is refused, the
// decision is undone (back to PENDING, audited) and the refusal returned.
import type { AuditLog } from "../audit/audit-log";
import type { StoreTransaction } from "../audit/ports";
import type { AuditRecord } from "../audit/types";
import type { Clock } from "../clock";
import { AppError } from "../errors";
import type { GraphChangeApplied, GraphChangeRequest } from "../graph/apply-graph-change";
import { diffSummary } from "../graph/diff-topology";
import type { LiveGraph } from "../graph/graph-change-store";
import { hasRole, type Role } from "../identity/roles";
import { parseInput } from "../parse-input";
import { planHeldRemoval, type SkippedElement } from "./plan-source-sync";
import type { GraphSourceStore, HeldChange } from "./ports";
import { revisionMoved } from "./refresh-sources";
import { ZApproveHeldChangeInput } from "./held-change-schemas";

export interface HeldChangeDeps {
  graph: { load(): Promise<LiveGraph> };
  applyChange(request: GraphChangeRequest): Promise<GraphChangeApplied>;
  store: GraphSourceStore;
  audit: Pick<AuditLog, "appendInTransaction" | "committed">;
  clock: Clock;
}

export interface HeldChangeCaller {
  actor: string;
  role: Role;
}

export interface ApprovedHeldChange {
  held: HeldChange;
  /** The change applied: what of the held removal was still removable. */
  applied: GraphChangeApplied;
  /** What the held change named but the graph no longer allows removing, and why. */
  kept: SkippedElement[];
}

/** Deciding on what leaves the graph is an admin's (docs/graph-sources.md#held-changes); the endpoint checks it too. */
export function assertMayDecide(by: HeldChangeCaller): void {
  if (!hasRole(by.role, "ADMIN")) throw new AppError("FORBIDDEN", "Only an admin may decide on a held graph change", { required: "ADMIN", role: by.role });
}

/**
 * Runs `fn` on the held change, locked, in one transaction if it is still
 * PENDING: NOT_FOUND, or CONFLICT naming who decided it. The source's lock
 * is taken first, as a refresh takes it, so the two never wait on each other.
 */
export async function withPending<T>(store: GraphSourceStore, id: string, fn: (tx: StoreTransaction, held: HeldChange) => Promise<T>): Promise<T> {
  // Ids are UUIDs: anything else names no held change (and must not reach a uuid cast).
  const peek = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? await store.getHeld(id) : null;
  if (!peek) throw new AppError("NOT_FOUND", `Held graph change ${id} does not exist`, { id });
  return store.transact(async (tx) => {
    await store.lockSource(tx, peek.source);
    return fn(tx, assertPending(id, await store.lockHeld(tx, id)));
  });
}

function assertPending(id: string, held: HeldChange | null): HeldChange {
  if (!held) throw new AppError("NOT_FOUND", `Held graph change ${id} does not exist`, { id });
  if (held.status !== "PENDING") {
    const by = held.decidedBy ? ` by ${held.decidedBy}` : "";
    const at = held.decidedAt ? ` at ${held.decidedAt.toISOString()}` : "";
    throw new AppError("CONFLICT", `Held graph change ${id} was already decided: ${held.status}${by}${at}`, { id, status: held.status, decidedBy: held.decidedBy });
  }
  return held;
}

export async function approveHeldChange(deps: HeldChangeDeps, id: string, input: unknown, by: HeldChangeCaller): Promise<ApprovedHeldChange> {
  assertMayDecide(by);
  const { note } = parseInput(ZApproveHeldChangeInput, input ?? {}, "approval");
  const decidedAt = deps.clock.now();
  let records: AuditRecord[] = [];
  const held = await withPending(deps.store, id, async (tx, pending) => {
    await deps.store.decideHeld(tx, id, { status: "APPROVED", by: by.actor, at: decidedAt, note: note ?? null });
    records = await deps.audit.appendInTransaction(tx, [
      {
        category: "SYSTEM_HEALTH",
        severity: "WARNING",
        actor: by.actor,
        action: "graph.removal_approved",
        correlationId: `graph-held-${id}`,
        payload: { heldChangeId: id, source: pending.source, note: note ?? null, summary: diffSummary(pending.diff) },
      },
    ]);
    return { ...pending, status: "APPROVED" as const, decidedBy: by.actor, decidedAt, note: note ?? null };
  });
  deps.audit.committed(records);

  try {
    for (let attempt = 1; ; attempt++) {
      const graph = await deps.graph.load();
      const { change, kept } = planHeldRemoval({ graph, held });
      try {
        const applied = await deps.applyChange({
          baseRevision: graph.revision,
          base: graph.topology,
          diff: change.diff,
          provenance: change.provenance,
          source: held.source,
          origin: `approved by ${by.actor} on review ${id}`,
          actor: by.actor,
        });
        return { held, applied, kept };
      } catch (error) {
        if (attempt < 5 && revisionMoved(error)) continue;
        throw error;
      }
    }
  } catch (error) {
    await undo(deps, held, by, error);
    throw error;
  }
}

/** The removal could not be applied: the change is PENDING again, and the log says who tried and why it failed. */
async function undo(deps: HeldChangeDeps, held: HeldChange, by: HeldChangeCaller, error: unknown): Promise<void> {
  let records: AuditRecord[] = [];
  await deps.store.transact(async (tx) => {
    await deps.store.lockSource(tx, held.source);
    const current = await deps.store.lockHeld(tx, held.id);
    if (current?.status !== "APPROVED") return;
    await deps.store.decideHeld(tx, held.id, { status: "PENDING", by: null, at: null, note: null });
    records = await deps.audit.appendInTransaction(tx, [
      {
        category: "SYSTEM_HEALTH",
        severity: "WARNING",
        actor: by.actor,
        action: "graph.removal_approval_failed",
        correlationId: `graph-held-${held.id}`,
        payload: { heldChangeId: held.id, source: held.source, error: error instanceof Error ? error.message : String(error) },
      },
    ]);
  });
  deps.audit.committed(records);
}
