import { z } from "zod";
import { canonicalJson, sha256Hex } from "../audit/canonical-hash";
import type { JsonValue } from "../audit/types";
import { AppError } from "../errors";
import { LOCK_PRIORITIES, lockPriorityFor } from "../locks/priority";
import { canonicalOrder } from "../locks/lock-order";
import type { LockRequirement, NewOperation } from "./ports";
import { ACTOR_KINDS, OPERATION_TYPES, type OperationParams } from "./types";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

/** What a caller (the API, a bot, the demo) submits. */
export const ZSubmitOperationInput = z.strictObject({
  type: z.enum(OPERATION_TYPES),
  service: z.string().regex(NAME, "a service name: letters, digits and . _ : / -, at most 200 characters"),
  actor: z.string().trim().min(1).max(200),
  actorKind: z.enum(ACTOR_KINDS).default("HUMAN"),
  correlationId: z.string().trim().min(1).max(200).optional(),
  idempotencyKey: z.string().trim().min(1).max(200).optional(),
  params: z.record(z.string(), z.json()).default({}),
  /** Resources locked at SYSTEM scope before the service (seed 000 workflow 4: a shared database). */
  systemLocks: z.array(z.string().regex(NAME)).max(16).default([]),
  incidentId: z.uuid().optional(),
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
  const parsed = ZSubmitOperationInput.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
    throw new AppError("VALIDATION_FAILED", `Invalid operation: ${problems.join("; ")}`, { problems });
  }
  const op = parsed.data;
  const params = op.params as OperationParams;
  const canonicalParams = canonicalJson(params as JsonValue);
  if (canonicalParams.length > MAX_PARAMS_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `Operation parameters are ${canonicalParams.length} bytes; at most ${MAX_PARAMS_BYTES} are accepted`, { bytes: canonicalParams.length });
  const paramsHash = sha256Hex(canonicalParams);
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
    priority: LOCK_PRIORITIES[lockPriorityFor(op.type)],
    lockKeys,
    incidentId: op.incidentId ?? null,
    createdAt: now,
  };
}
