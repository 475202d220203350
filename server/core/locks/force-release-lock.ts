import type { AuditEventInput } from "../audit/types";
import { AppError } from "../errors";
import type { LockHolderInfo, LockStore } from "./ports";
import { LOCK_SCOPES, type LockKey } from "./types";
import { listStaleLocks } from "./list-locks";

export interface ForceReleaseDeps {
  store: LockStore;
  audit: { append(input: AuditEventInput): Promise<unknown> };
}

export interface ForceReleaseRequest {
  key: LockKey;
  /** Only this holder's lease; all holders when omitted. */
  holderId?: string;
  /** Who asked (the signed-in operator). */
  actor: string;
  /** Why: required, it is what the next reader of the audit trail needs. */
  reason: string;
}

/**
 * An operator takes a lock away from its holder (a holder that died, hung, or
 * holds a lock an incident needs). The store announces the revocation and
 * the holder's lease signal fires at once, naming who and why (or, if the
 * notice is lost, at its next renewal); its writes carry a token lower than
 * the next holder's and are refused by fencing. The audit event records what was actually
 * removed; when nothing was held, it says so.
 */
export async function forceReleaseLock(deps: ForceReleaseDeps, request: ForceReleaseRequest): Promise<LockHolderInfo[]> {
  const problems: string[] = [];
  if (!LOCK_SCOPES.includes(request.key?.scope)) problems.push(`scope must be one of ${LOCK_SCOPES.join(", ")}`);
  if (typeof request.key?.resource !== "string" || request.key.resource.trim() === "") problems.push("resource is required");
  if (typeof request.reason !== "string" || request.reason.trim().length < 3) problems.push("a reason of at least 3 characters is required");
  if (typeof request.actor !== "string" || request.actor.trim() === "") problems.push("actor is required");
  if (problems.length) throw new AppError("VALIDATION_FAILED", `Invalid force release: ${problems.join("; ")}.`, { problems });

  const released = await deps.store.forceRelease(request.key, request.holderId ?? null, `force-released by ${request.actor.trim()}: ${request.reason.trim()}`);
  await deps.audit.append({
    category: "LOCK_OPERATION",
    severity: "WARNING",
    actor: request.actor,
    action: "lock.force_released",
    service: request.key.scope === "SERVICE" ? request.key.resource : null,
    payload: {
      scope: request.key.scope,
      resource: request.key.resource,
      reason: request.reason.trim(),
      requestedHolder: request.holderId ?? null,
      released: released.map((h) => ({ holderId: h.holderId, mode: h.mode, fencingToken: h.fencingToken.toString(), acquiredAt: h.acquiredAt.toISOString() })),
    },
  });
  return released;
}

/** Force release of stale locks (docs/specification.md#locks; the original `force_release_all(older_than_seconds=…)`): every lease held longer than the threshold, each audited. */
export async function forceReleaseStaleLocks(deps: ForceReleaseDeps, request: { olderThanMs: number; actor: string; reason: string }): Promise<LockHolderInfo[]> {
  const { locks } = await listStaleLocks(deps.store, request.olderThanMs);
  const released: LockHolderInfo[] = [];
  for (const lock of locks) {
    for (const holder of lock.holders) {
      released.push(...(await forceReleaseLock(deps, { key: lock.key, holderId: holder.holderId, actor: request.actor, reason: request.reason })));
    }
  }
  return released;
}
