import type { AuditEventInput } from "../audit/types";
import type { OrchestratorDeps } from "./orchestrator-deps";

const HOLDER = /^op:([0-9a-f-]{36})#(\d+)$/;

/**
 * Locks whose operation no longer needs them: it finished (or paused) well
 * over `graceMs` ago, or a later attempt has taken it up, but the worker died
 * between writing that and releasing. Without this a crash right after an
 * operation's last commit would keep its service locked for the rest of the
 * lease TTL (five minutes by default). Every worker runs it from its sweep;
 * the grace keeps it away from a live worker releasing as usual. Each release
 * is recorded as `lock.recovered`.
 */
export async function releaseOrphanedLocks(deps: OrchestratorDeps, graceMs = 30_000): Promise<number> {
  const { at, locks } = await deps.lockStore.snapshot();
  const held: { key: (typeof locks)[number]["key"]; holderId: string; operationId: string; attempt: number; fencingToken: bigint }[] = [];
  for (const lock of locks) {
    for (const h of lock.holders) {
      const m = HOLDER.exec(h.holderId);
      if (m) held.push({ key: lock.key, holderId: h.holderId, operationId: m[1]!, attempt: Number(m[2]), fencingToken: h.fencingToken });
    }
  }
  if (held.length === 0) return 0;
  const states = await deps.store.lockNeeds([...new Set(held.map((h) => h.operationId))], new Date(at.getTime() - graceMs));
  const events: AuditEventInput[] = [];
  for (const h of held) {
    const state = states.get(h.operationId);
    if (!state) continue;
    const orphaned = state.settled || h.attempt < state.attempt;
    if (!orphaned) continue;
    const removed = await deps.lockStore.forceRelease(h.key, h.holderId);
    if (removed.length === 0) continue;
    events.push({
      category: "LOCK_OPERATION",
      severity: "WARNING",
      actor: "system",
      action: "lock.recovered",
      service: state.service,
      operationId: h.operationId,
      correlationId: state.correlationId,
      payload: { scope: h.key.scope, resource: h.key.resource, holderId: h.holderId, fencingToken: h.fencingToken.toString(), reason: state.settled ? `operation ${state.state} but its worker stopped before releasing this lock` : `attempt ${h.attempt} was superseded by attempt ${state.attempt}` },
    });
  }
  if (events.length > 0) await deps.committer.appendEvents(events);
  return events.length;
}
