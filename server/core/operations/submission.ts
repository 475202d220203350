import { z } from "zod";
import { canonicalJson, sha256Hex } from "../audit/canonical-hash";
import type { JsonValue } from "../audit/types";
import { AppError } from "../errors";
import { LOCK_PRIORITIES, lockPriorityFor } from "../locks/priority";
import { canonicalOrder } from "../locks/lock-order";
import type { LockRequirement, NewOperation } from "./ports";
import { ACTOR_KINDS, EXECUTION_MODES, OPERATION_SOURCES, OPERATION_TYPES, type OperationParams } from "./types";
import { parseInput } from "../parse-input";
import { ROLES } from "../identity/roles";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

/**
 * SYSTEM locks Interlock takes for itself (docs/specification.md#operations):
 * the background audit-chain verification (server/core/audit/verify-if-due.ts)
 * holds "audit-chain-verification", and any name under "interlock:" is kept
 * for the system's own use. An operation naming one in `systemLocks` would
 * hold it for as long as it runs, and the verification would never get its turn.
 */
export const RESERVED_SYSTEM_LOCKS: readonly string[] = ["audit-chain-verification"];
export const RESERVED_SYSTEM_LOCK_PREFIX = "interlock:";

/** True for a SYSTEM lock name an operation may not take (compared without regard to case). */
export function isReservedLockName(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED_SYSTEM_LOCKS.includes(lower) || lower.startsWith(RESERVED_SYSTEM_LOCK_PREFIX);
}

/** An external execution's lease bounds (docs/execution.md#the-lease): long enough for a heartbeat to cross a slow network, short enough that a dead submitter is noticed. */
export const MIN_LEASE_SECONDS = 10;
export const MAX_LEASE_SECONDS = 3600;
export const DEFAULT_LEASE_SECONDS = 60;

/** What a caller (the API, a bot, the demo) submits. */
export const ZSubmitOperationInput = z.strictObject({
  type: z.enum(OPERATION_TYPES),
  service: z.string().regex(NAME, "a service name: letters, digits and . _ : / -, at most 200 characters"),
  actor: z.string().trim().min(1).max(200),
  actorKind: z.enum(ACTOR_KINDS).default("HUMAN"),
  correlationId: z.string().trim().min(1).max(200).optional(),
  idempotencyKey: z.string().trim().min(1).max(200).optional(),
  params: z.record(z.string(), z.json()).default({}),
  /** Resources locked at SYSTEM scope before the service (a shared database: docs/specification.md#reference-workflows, workflow 4). */
  systemLocks: z
    .array(
      z
        .string()
        .regex(NAME)
        .refine((name) => !isReservedLockName(name), { message: `reserved for Interlock's own locks (${RESERVED_SYSTEM_LOCKS.join(", ")} and names starting ${RESERVED_SYSTEM_LOCK_PREFIX})` }),
    )
    .max(16)
    .default([]),
  incidentId: z.uuid().optional(),
  /** Who submitted it, broadly (docs/incidents.md#sources): the API by default; the console, a remediation rule or the demo say so. */
  source: z.enum(OPERATION_SOURCES).default("API"),
  /** Lock priority; by default from the type (ROLLBACK is CRITICAL). CRITICAL takes the service ahead of everything less urgent (docs/lifecycle.md#rollbacks-first). */
  priority: z.enum(["CRITICAL", "HIGH", "NORMAL", "LOW"]).optional(),
  /** True for an approver or admin: only they may raise an operation other than a ROLLBACK to CRITICAL. */
  mayRaisePriority: z.boolean().default(false),
  /** "external": the submitter carries the change out itself under an execution lease (docs/execution.md). */
  execution: z.enum(EXECUTION_MODES).default("internal"),
  /** An external execution's lease: how long it lasts without a heartbeat (docs/execution.md#the-lease). */
  leaseSeconds: z.int().min(MIN_LEASE_SECONDS).max(MAX_LEASE_SECONDS).optional(),
  /**
   * A hotfix submitted during a freeze: the submitter breaks glass with a
   * reason; `role` is the submitting principal's, set by the server, never the
   * client (docs/freezes.md#break-glass).
   */
  breakGlass: z.strictObject({ reason: z.string().trim().min(3).max(2000), role: z.enum(ROLES) }).optional(),
});
export type SubmitOperationInput = z.input<typeof ZSubmitOperationInput>;

const MAX_PARAMS_BYTES = 64 * 1024;

/**
 * Turns a submission into the row to insert: the parameter hash for
 * "same service + type + params" deduplication, the in-flight key, the locks
 * in canonical order and the lock priority of its type. Pure but for the id
 * and time it is given.
 */
export function prepareOperation(input: unknown, id: string, now: Date): NewOperation {
  const op = parseInput(ZSubmitOperationInput, input, "operation");
  const params = op.params as OperationParams;
  const canonicalParams = canonicalJson(params as JsonValue);
  if (canonicalParams.length > MAX_PARAMS_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `Operation parameters are ${canonicalParams.length} bytes; at most ${MAX_PARAMS_BYTES} are accepted`, { bytes: canonicalParams.length });
  const paramsHash = sha256Hex(canonicalParams);
  const priority = op.priority ?? lockPriorityFor(op.type);
  if (priority === "CRITICAL" && op.type !== "ROLLBACK" && op.priority !== undefined && !op.mayRaisePriority) {
    throw new AppError("FORBIDDEN", `Only an approver may submit a ${op.type} at CRITICAL priority: it would take ${op.service} ahead of, and stop, less urgent work`, { priority, type: op.type });
  }
  if (op.leaseSeconds !== undefined && op.execution !== "external") {
    throw new AppError("VALIDATION_FAILED", `leaseSeconds applies only to an operation with execution "external"; Interlock's own executors hold no execution lease`, { field: "leaseSeconds", execution: op.execution });
  }
  const systemLocks = [...new Set(op.systemLocks)];
  const lockKeys: LockRequirement[] = canonicalOrder([
    ...systemLocks.map((resource) => ({ scope: "SYSTEM" as const, resource })),
    { scope: "SERVICE" as const, resource: op.service },
  ]).map((key) => ({
    ...key,
    // Several verifications may hold a service together; anything that changes it needs it alone.
    mode: key.scope === "SERVICE" && op.type === "VERIFICATION" ? "SHARED" : "EXCLUSIVE",
  }));
  return {
    id,
    type: op.type,
    service: op.service,
    actor: op.actor,
    actorKind: op.actorKind,
    correlationId: op.correlationId ?? `corr-${id}`,
    idempotencyKey: op.idempotencyKey ?? null,
    params,
    paramsHash,
    inflightKey: sha256Hex(`${op.service}\u0000${op.type}\u0000${paramsHash}`),
    priority: LOCK_PRIORITIES[priority],
    lockKeys,
    incidentId: op.incidentId ?? null,
    source: op.source,
    execution: op.execution,
    leaseSeconds: op.execution === "external" ? (op.leaseSeconds ?? DEFAULT_LEASE_SECONDS) : null,
    breakGlass: op.breakGlass ? { by: op.actor, role: op.breakGlass.role, reason: op.breakGlass.reason, at: now } : null,
    createdAt: now,
  };
}
