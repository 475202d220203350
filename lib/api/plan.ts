// The plan of an operation (a dry run, docs/lifecycle.md "Plan before
// submit"): what would happen if it were submitted now, computed by the same
// code the orchestrator runs, writing nothing. Safe for the browser: zod only.
import { z } from "zod";
import { LOCK_MODES, LOCK_SCOPES } from "./locks";
import { CONFLICT_ACTIONS, CONFLICT_SEVERITIES, CONFLICT_TYPES, OPERATION_STATES, OPERATION_TYPES, SAFETY_GATES } from "./operations";

export const PLAN_VERDICTS = ["RUN", "QUEUE", "DELAY", "PAUSE_FOR_REVIEW", "BLOCK", "ALREADY_RUNNING"] as const;
export const GATE_SOURCES = ["store", "prometheus", "simulated", "graph", "config"] as const;
export const LOCK_PRIORITY_NAMES = ["CRITICAL", "HIGH", "NORMAL", "LOW"] as const;

const ZDateTime = z.iso.datetime();
const ZOtherOperation = z.strictObject({ id: z.string(), type: z.enum(OPERATION_TYPES), state: z.enum(OPERATION_STATES), actor: z.string() });

export const ZPlanGate = z
  .strictObject({
    gate: z.enum([...SAFETY_GATES, "FREEZE"]).describe("One of the six threshold gates, or FREEZE: change freeze windows and halts (docs/freezes.md#the-freeze-gate)"),
    passed: z.boolean(),
    skipped: z.boolean(),
    observed: z.number().nullable(),
    threshold: z.number(),
    unit: z.string(),
    reason: z.string(),
    source: z.enum(GATE_SOURCES).describe("Where the observed figure came from; `simulated` is never a measurement"),
  })
  .meta({ id: "PlanGate" });

export const ZPlanConflict = z
  .strictObject({
    type: z.enum(CONFLICT_TYPES),
    severity: z.enum(CONFLICT_SEVERITIES),
    action: z.enum(CONFLICT_ACTIONS),
    explanation: z.string(),
    recommendation: z.string(),
    conflictingOperationIds: z.array(z.string()),
    affectedServices: z.array(z.string()),
  })
  .meta({ id: "PlanConflict" });

export const ZPlanLock = z
  .strictObject({
    scope: z.enum(LOCK_SCOPES),
    resource: z.string(),
    mode: z.enum(LOCK_MODES),
    /** Who holds it now (empty: free). */
    holders: z.array(z.strictObject({ holderId: z.string(), operationId: z.string().nullable(), mode: z.enum(LOCK_MODES), expiresAt: ZDateTime })),
    waiting: z.number().int().describe("Requests already queued for this lock"),
  })
  .meta({ id: "PlanLock" });

export const ZOperationPlan = z
  .strictObject({
    verdict: z.enum(PLAN_VERDICTS).describe("RUN: would start now; QUEUE: would wait in line for the service; DELAY: would wait for a timing window; PAUSE_FOR_REVIEW: would stop for a person; BLOCK: would be refused; ALREADY_RUNNING: the same work is in flight"),
    summary: z.string().describe("One sentence: what would happen and why"),
    evaluatedAt: ZDateTime,
    type: z.enum(OPERATION_TYPES),
    service: z.string(),
    priority: z.enum(LOCK_PRIORITY_NAMES),
    conflicts: z.array(ZPlanConflict),
    gates: z.array(ZPlanGate),
    gatesEvaluated: z.boolean().describe("False when the verdict was decided before the gates (blocked, or waiting: they run when it starts)"),
    blastRadius: z.strictObject({
      score: z.number(),
      estimatedImpactPct: z.number().describe("What the BLAST_RADIUS gate compares: the weighted score as a share of all services"),
      percentage: z.number().describe("Services within reach, as a share of all"),
      affectedCount: z.number().int(),
      totalServices: z.number().int(),
      depth: z.number().int(),
      direct: z.array(z.string()),
      sharedResource: z.array(z.string()),
      downstream: z.array(z.string()),
      upstream: z.array(z.string()),
    }),
    locks: z.array(ZPlanLock),
    queue: z
      .strictObject({ position: z.number().int().describe("Its place in line, counting what runs now: 2 means it runs next"), ahead: z.array(ZOtherOperation) })
      .nullable()
      .describe("Present when the operation would wait in line for its service"),
    preempts: z.array(ZOtherOperation).describe("Running changes this operation would stop (a ROLLBACK or CRITICAL operation takes its service)"),
    supersedes: z.array(ZOtherOperation).describe("Not-yet-started operations this one would replace (SUPERSEDE)"),
    pauseCauses: z.array(z.string()).describe("Why it would pause, one sentence each"),
    blockReasons: z.array(z.string()),
    notBefore: ZDateTime.nullable().describe("For DELAY: the earliest start"),
    alreadyRunning: z.strictObject({ id: z.string(), state: z.enum(OPERATION_STATES) }).nullable(),
  })
  .meta({ id: "OperationPlan" });

export type TOperationPlan = z.infer<typeof ZOperationPlan>;
