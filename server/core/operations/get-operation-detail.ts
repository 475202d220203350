import type { QuorumView } from "./approval-quorum";
import { z } from "zod";
import type { JsonValue } from "../audit/types";
import { AppError } from "../errors";
import { LOCK_MODES, LOCK_SCOPES, type LockMode, type LockScope } from "../locks/types";
import { parseQuery, zId } from "../pagination";
import type { JsonObject, OperationAuditEvent, OperationDetailRecord, OperationQueries, OperationTransitionView } from "./query-ports";

export const ZGetOperationDetailInput = z.strictObject({ id: zId() });

/** Audit events returned with the detail; past that, page the audit API by operationId. */
export const DETAIL_AUDIT_LIMIT = 1000;

/**
 * One lock grant of the operation, as its audit trail and transitions record
 * it: which lock, the fencing token it was granted with, which attempt held
 * it, and how it ended. Fields the records do not carry are null (a grant
 * seen only in the LOCKED transition's metadata has no holder or times).
 */
export interface OperationLockView {
  scope: LockScope;
  resource: string;
  /** The grant's fencing token (a bigint, as a string). */
  fencingToken: string;
  mode: LockMode | null;
  holderId: string | null;
  /** The attempt that held it (from the holder id "op:<id>#<attempt>"). */
  attempt: number | null;
  acquiredAt: string | null;
  expiresAt: string | null;
  releasedAt: string | null;
  /** RELEASED, RELEASE_FAILED (the lease had already gone), RECOVERED (a later attempt took it back); null while held or unknown. */
  release: "RELEASED" | "RELEASE_FAILED" | "RECOVERED" | null;
  releaseReason: string | null;
}

export interface OperationDetail extends Omit<OperationDetailRecord, "conflictCheck"> {
  /** The conflict check's decision and blast radius (the conflicts themselves are in `conflicts`). */
  conflictCheck: JsonObject | null;
  locks: OperationLockView[];
  /** A pending review's count of approvals; the API adds it (docs/approvals.md#what-people-see). */
  quorum?: QuorumView | null;
}

/** An operation with its transitions, steps, gate results, conflicts, latest review, lock grants and audit events. */
export async function getOperationDetail(deps: { queries: OperationQueries }, input: unknown): Promise<OperationDetail> {
  const { id } = parseQuery(ZGetOperationDetailInput, input, "operation id");
  const record = await deps.queries.getOperationDetail(id, { auditLimit: DETAIL_AUDIT_LIMIT });
  if (!record) throw new AppError("NOT_FOUND", `No operation ${id}`, { id });
  return toOperationDetail(record);
}

/** Pure: the detail from the stored record (lock grants derived, the conflict list not repeated in conflictCheck). */
export function toOperationDetail(record: OperationDetailRecord): OperationDetail {
  let conflictCheck: JsonObject | null = null;
  if (record.conflictCheck) {
    const { conflicts: _listedSeparately, ...rest } = record.conflictCheck;
    conflictCheck = rest;
  }
  return { ...record, conflictCheck, locks: lockGrantsOf(record.auditEvents, record.transitions) };
}

const str = (value: JsonValue | undefined): string | null => (typeof value === "string" ? value : null);
const tokenOf = (value: JsonValue | undefined): string | null => (typeof value === "string" && /^\d+$/.test(value) ? value : typeof value === "number" && Number.isInteger(value) ? String(value) : null);
const scopeOf = (value: JsonValue | undefined): LockScope | null => (LOCK_SCOPES as readonly string[]).includes(value as string) ? (value as LockScope) : null;
const modeOf = (value: JsonValue | undefined): LockMode | null => (LOCK_MODES as readonly string[]).includes(value as string) ? (value as LockMode) : null;
const isObject = (value: JsonValue | undefined): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Pure: every lock grant the records show, in the order they were first
 * recorded. The audit trail (lock.acquired, lock.released,
 * lock.release_failed, lock.recovered) has every attempt's grants; the
 * LOCKED transition's metadata has the first attempt's tokens and fills in any
 * grant the trail lacks (say, when the trail was truncated).
 */
export function lockGrantsOf(events: readonly OperationAuditEvent[], transitions: readonly OperationTransitionView[]): OperationLockView[] {
  const grants = new Map<string, OperationLockView>();
  const keyOf = (scope: LockScope, resource: string, token: string) => `${scope}\u0000${resource}\u0000${token}`;
  const grantFor = (scope: LockScope, resource: string, token: string): OperationLockView => {
    const key = keyOf(scope, resource, token);
    let grant = grants.get(key);
    if (!grant) {
      grant = { scope, resource, fencingToken: token, mode: null, holderId: null, attempt: null, acquiredAt: null, expiresAt: null, releasedAt: null, release: null, releaseReason: null };
      grants.set(key, grant);
    }
    return grant;
  };
  for (const event of events) {
    if (event.category !== "LOCK_OPERATION") continue;
    const p = event.payload;
    const scope = scopeOf(p.scope);
    const resource = str(p.resource);
    const token = tokenOf(p.fencingToken);
    if (!scope || resource === null || token === null) continue;
    const grant = grantFor(scope, resource, token);
    const holderId = str(p.holderId);
    if (holderId !== null) {
      grant.holderId = holderId;
      const attempt = /#(\d+)$/.exec(holderId)?.[1];
      grant.attempt = attempt === undefined ? null : Number(attempt);
    }
    grant.mode = modeOf(p.mode) ?? grant.mode;
    switch (event.action) {
      case "lock.acquired":
        grant.acquiredAt = str(p.acquiredAt) ?? event.at;
        grant.expiresAt = str(p.expiresAt);
        break;
      case "lock.released":
      case "lock.release_failed":
        grant.release = event.action === "lock.released" ? "RELEASED" : "RELEASE_FAILED";
        grant.releasedAt = str(p.releasedAt) ?? event.at;
        grant.releaseReason = str(p.reason);
        break;
      case "lock.recovered":
        grant.release = "RECOVERED";
        grant.releasedAt = event.at;
        grant.releaseReason = str(p.reason);
        break;
    }
  }
  for (const transition of transitions) {
    const locks = transition.metadata.locks;
    if (!Array.isArray(locks)) continue;
    for (const lock of locks) {
      if (!isObject(lock)) continue;
      const scope = scopeOf(lock.scope);
      const resource = str(lock.resource);
      const token = tokenOf(lock.fencingToken);
      if (scope && resource !== null && token !== null) grantFor(scope, resource, token);
    }
  }
  return [...grants.values()];
}
