// A person lets one operation through a freeze (docs/freezes.md#break-glass):
// a mandatory reason, a role at least the break-glass role of every window
// and halt holding it now; recorded on the operation in one transaction with
// its audit event (a manual intervention, notified at HIGH), then the
// operation is woken, and a paused one's review evidence refreshed.
import type { AuditLog } from "../audit/audit-log";
import type { AuditRecord } from "../audit/types";
import type { Clock } from "../clock";
import { AppError, isAppError } from "../errors";
import { hasRole, type Role } from "../identity/roles";
import type { OperationRecord } from "../operations/ports";
import { parseInput } from "../parse-input";
import { assessFreeze } from "./assess-freeze";
import { breakGlassEvent } from "./break-glass-event";
import type { BreakGlass } from "./types";
import type { FreezeSource, FreezeWindowStore } from "./window-ports";
import { ZBreakGlassInput } from "./window-schemas";

export interface BreakGlassDeps {
  windows: Pick<FreezeWindowStore, "transact" | "recordBreakGlass">;
  freezes: FreezeSource;
  operations: { get(id: string): Promise<OperationRecord | null>; announceWork(): Promise<void> };
  audit: Pick<AuditLog, "appendInTransaction" | "committed">;
  clock: Clock;
  /** Re-evaluates a paused operation's review evidence (it no longer shows the freeze failing). */
  refreshEvidence: (operationId: string, actor: string) => Promise<unknown>;
}

const FINAL = new Set(["COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED"]);

export async function breakGlass(deps: BreakGlassDeps, operationId: string, input: unknown, who: { actor: string; role: Role }): Promise<{ operation: OperationRecord; breakGlass: BreakGlass; heldBy: string }> {
  const { reason } = parseInput(ZBreakGlassInput, input, "break-glass");
  const op = await deps.operations.get(operationId);
  if (!op) throw new AppError("NOT_FOUND", `No operation ${operationId}`, { id: operationId });
  if (FINAL.has(op.state)) throw new AppError("CONFLICT", `Operation ${op.id} is ${op.state}: there is nothing to let through`, { state: op.state });
  if (op.startedAt !== null || op.state === "IN_PROGRESS") throw new AppError("CONFLICT", `Operation ${op.id} has started: a running change is not held by a freeze`, { state: op.state });
  if (op.breakGlass) throw new AppError("CONFLICT", `Operation ${op.id} was already let through by ${op.breakGlass.by} (${op.breakGlass.role}) at ${op.breakGlass.at.toISOString()}`, { breakGlass: { by: op.breakGlass.by, role: op.breakGlass.role } });
  const now = deps.clock.now();
  const { verdict } = await assessFreeze(deps.freezes, { ...op, breakGlass: null }, now);
  if (verdict.holds.length === 0 || verdict.breakGlassRole === null) throw new AppError("CONFLICT", `No freeze window or halt holds operation ${op.id} now: there is no glass to break`, {});
  if (!hasRole(who.role, verdict.breakGlassRole)) {
    throw new AppError("FORBIDDEN", `Breaking glass on this operation needs the ${verdict.breakGlassRole} role (you are ${who.role}): ${verdict.reason}`, { needed: verdict.breakGlassRole, role: who.role });
  }
  const bg: BreakGlass = { by: who.actor, role: who.role, reason, at: now };
  let records: AuditRecord[] = [];
  await deps.windows.transact(async (tx) => {
    if (!(await deps.windows.recordBreakGlass(tx, op.id, bg))) throw new AppError("CONFLICT", `Operation ${op.id} started or finished meanwhile`, {});
    records = await deps.audit.appendInTransaction(tx, [breakGlassEvent(op, bg, verdict.reason)]);
  });
  deps.audit.committed(records);
  await deps.operations.announceWork();
  if (op.state === "PAUSED_FOR_HUMAN_REVIEW") {
    await deps.refreshEvidence(op.id, who.actor).catch((error: unknown) => {
      // Decided or moved on meanwhile: the mark stands, there is no review left to refresh.
      if (!isAppError(error) || (error.code !== "CONFLICT" && error.code !== "VERSION_CONFLICT")) throw error;
    });
  }
  return { operation: (await deps.operations.get(op.id)) ?? op, breakGlass: bg, heldBy: verdict.reason };
}
