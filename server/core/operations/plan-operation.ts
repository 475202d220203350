import type { LineMember } from "../conflicts/service-line";
import type { BlastRadius, Conflict } from "../conflicts/types";
import { AppError } from "../errors";
import type { GateResult } from "../gates/types";
import { assessGates } from "../gates/assess-gates";
import { assessFreeze } from "../freezes/assess-freeze";
import { LOCK_PRIORITIES, type LockPriority } from "../locks/priority";
import type { LockMode, LockScope } from "../locks/types";
import { checkConflictsNow, estimatedImpactPct } from "./check-conflicts-now";
import type { OrchestratorDeps } from "./orchestrator-deps";
import { pauseReasonOf, reviewRequestedIn } from "./review-evidence";
import { prepareOperation } from "./submission";
import type { OperationState, OperationType } from "./types";

export type PlanVerdict = "RUN" | "QUEUE" | "DELAY" | "PAUSE_FOR_REVIEW" | "BLOCK" | "ALREADY_RUNNING";

interface OtherOperation {
  id: string;
  type: OperationType;
  state: OperationState;
  actor: string;
}

/** What would happen to an operation submitted now (lib/api/plan.ts describes each field). */
export interface OperationPlan {
  verdict: PlanVerdict;
  summary: string;
  evaluatedAt: string;
  type: OperationType;
  service: string;
  priority: LockPriority;
  conflicts: Pick<Conflict, "type" | "severity" | "action" | "explanation" | "recommendation" | "conflictingOperationIds" | "affectedServices">[];
  gates: (Omit<GateResult, "source"> & { source: NonNullable<GateResult["source"]> })[];
  gatesEvaluated: boolean;
  blastRadius: Pick<BlastRadius, "score" | "percentage" | "affectedCount" | "totalServices" | "depth" | "direct" | "sharedResource" | "downstream" | "upstream"> & { estimatedImpactPct: number };
  locks: { scope: LockScope; resource: string; mode: LockMode; holders: { holderId: string; operationId: string | null; mode: LockMode; expiresAt: string }[]; waiting: number }[];
  queue: { position: number; ahead: OtherOperation[] } | null;
  preempts: OtherOperation[];
  supersedes: OtherOperation[];
  pauseCauses: string[];
  blockReasons: string[];
  notBefore: string | null;
  alreadyRunning: { id: string; state: OperationState } | null;
}

const HOLDER = /^op:([0-9a-f-]{36})#\d+$/;
const other = (m: LineMember): OtherOperation => ({ id: m.id, type: m.type, state: m.state, actor: m.actor });

/**
 * A dry run (docs/lifecycle.md "Plan before submit"): what would happen if
 * this operation were submitted now — its conflicts with their sentences,
 * each gate with observed against threshold and where the figure came from,
 * its blast radius, the locks it would take and who holds them, its place in
 * line, and the verdict. It goes through the same steps the orchestrator
 * runs (conflicts, the line, the gates) in the same order, and writes
 * nothing: no row, no audit event, no lock.
 */
export async function planOperation(deps: OrchestratorDeps, input: unknown): Promise<OperationPlan> {
  const now = deps.clock.now();
  const prepared = prepareOperation(input, deps.newId(), now);
  // The same refusal a submission gets for parameters its executor cannot run (a runbook's schema).
  deps.executorFor(prepared).validate?.(prepared);
  const priority = (Object.entries(LOCK_PRIORITIES).find(([, v]) => v === prepared.priority)?.[0] ?? "NORMAL") as LockPriority;

  const holderOfKeys = await deps.store.findByKeys(prepared.idempotencyKey, prepared.inflightKey);
  if (holderOfKeys && prepared.idempotencyKey !== null && holderOfKeys.idempotencyKey === prepared.idempotencyKey && (holderOfKeys.paramsHash !== prepared.paramsHash || holderOfKeys.service !== prepared.service || holderOfKeys.type !== prepared.type)) {
    throw new AppError("CONFLICT", `Idempotency-Key "${prepared.idempotencyKey}" was already used for a different operation (${holderOfKeys.type} on ${holderOfKeys.service}, ${holderOfKeys.id}); use a new key for new work`, {
      idempotencyKey: prepared.idempotencyKey,
      existingOperationId: holderOfKeys.id,
    });
  }

  const { check } = await checkConflictsNow(deps, { ...prepared, seq: undefined }, now);
  const blastRadiusPct = estimatedImpactPct(check.blastRadius);
  const gates = await assessGates({ gateConfig: deps.gateConfig, signals: deps.signals, history: deps.gateHistory }, { id: prepared.id, type: prepared.type, service: prepared.service, blastRadiusPct }, now);
  const { locks: held } = await deps.lockStore.snapshot();
  // The FREEZE gate, as the orchestrator reads it before the line (docs/freezes.md#the-freeze-gate).
  const freeze = deps.freezes ? await assessFreeze(deps.freezes, { ...prepared, breakGlass: prepared.breakGlass ?? null }, now) : null;
  const frozen = freeze?.verdict.decision === "QUEUE" ? freeze.verdict : null;

  const line = check.line;
  const pausingConflicts = check.conflicts.filter((c) => c.action === "PAUSE_FOR_REVIEW");
  const pausingGates = [...gates.results.filter((r) => gates.pauseFor.includes(r.gate)), ...(freeze?.verdict.decision === "PAUSE" ? [freeze.result] : [])];
  const requested = reviewRequestedIn(prepared.params);
  const pause = pauseReasonOf(check.conflicts, pausingGates, requested);
  const conflictBlocks = check.decision.action === "BLOCK" || line.verdict === "BLOCK";

  let verdict: PlanVerdict;
  let blockReasons: string[] = [];
  // As a submission would answer: the same work in flight, or the same Idempotency-Key even after it finished.
  const duplicate = holderOfKeys !== null && (holderOfKeys.finishedAt === null || (prepared.idempotencyKey !== null && holderOfKeys.idempotencyKey === prepared.idempotencyKey));
  if (duplicate) verdict = "ALREADY_RUNNING";
  else if (conflictBlocks) {
    verdict = "BLOCK";
    blockReasons = check.conflicts.filter((c) => c.action === "BLOCK").map((c) => c.explanation);
  } else if (check.decision.action === "DELAY") verdict = "DELAY";
  else if (freeze?.verdict.decision === "BLOCK") {
    verdict = "BLOCK";
    blockReasons = [freeze.verdict.reason];
  } else if (frozen) verdict = "DELAY";
  else if (line.verdict === "WAIT") verdict = "QUEUE";
  else if (gates.decision === "BLOCK") {
    verdict = "BLOCK";
    blockReasons = gates.results.filter((r) => gates.blockBy.includes(r.gate)).map((r) => r.reason);
  } else if (pausingConflicts.length > 0 || pausingGates.length > 0 || requested) verdict = "PAUSE_FOR_REVIEW";
  else verdict = "RUN";

  const b = check.blastRadius;
  return {
    verdict,
    summary: frozen && verdict === "DELAY" ? `This ${prepared.type} of ${prepared.service} would wait for the freeze to end: ${frozen.reason}; the gates are checked then.` : summarize(verdict, prepared.type, prepared.service, { line, notBefore: check.decision.notBefore, blockReasons, pauseCauses: pause.causes.map((c) => c.text), existing: holderOfKeys?.id ?? null }),
    evaluatedAt: now.toISOString(),
    type: prepared.type,
    service: prepared.service,
    priority,
    conflicts: check.conflicts.map((c) => ({ type: c.type, severity: c.severity, action: c.action, explanation: c.explanation, recommendation: c.recommendation, conflictingOperationIds: c.conflictingOperationIds, affectedServices: c.affectedServices })),
    gates: [...gates.results, ...(freeze ? [freeze.result] : [])].map((g) => ({ ...g, source: g.source ?? (g.skipped ? "config" : "simulated") })),
    gatesEvaluated: verdict === "RUN" || verdict === "PAUSE_FOR_REVIEW" || (verdict === "BLOCK" && !conflictBlocks && freeze?.verdict.decision !== "BLOCK"),
    blastRadius: { score: b.score, percentage: b.percentage, affectedCount: b.affectedCount, totalServices: b.totalServices, depth: b.depth, direct: b.direct, sharedResource: b.sharedResource, downstream: b.downstream, upstream: b.upstream, estimatedImpactPct: blastRadiusPct },
    locks: prepared.lockKeys.map((key) => {
      const lock = held.find((l) => l.key.scope === key.scope && l.key.resource === key.resource);
      return {
        scope: key.scope,
        resource: key.resource,
        mode: key.mode,
        holders: (lock?.holders ?? []).map((h) => ({ holderId: h.holderId, operationId: HOLDER.exec(h.holderId)?.[1] ?? null, mode: h.mode, expiresAt: h.expiresAt.toISOString() })),
        waiting: lock?.waiters.length ?? 0,
      };
    }),
    queue: line.verdict === "WAIT" ? { position: line.position, ahead: line.ahead.map(other) } : null,
    preempts: line.preempt.map(other),
    supersedes: line.supersede.map(other),
    pauseCauses: verdict === "PAUSE_FOR_REVIEW" ? pause.causes.map((c) => c.text) : [],
    blockReasons,
    notBefore: verdict === "DELAY" ? (frozen && check.decision.action !== "DELAY" ? (frozen.until?.toISOString() ?? null) : check.decision.notBefore) : null,
    alreadyRunning: duplicate ? { id: holderOfKeys.id, state: holderOfKeys.state } : null,
  };
}

function summarize(
  verdict: PlanVerdict,
  type: OperationType,
  service: string,
  d: { line: { position: number; ahead: LineMember[]; preempt: LineMember[] }; notBefore: string | null; blockReasons: string[]; pauseCauses: string[]; existing: string | null },
): string {
  const what = `This ${type} of ${service}`;
  switch (verdict) {
    case "ALREADY_RUNNING":
      return `The same ${type} of ${service} is already in flight (${d.existing}): submitting returns it instead of starting a second one.`;
    case "BLOCK":
      return `${what} would be refused: ${d.blockReasons.join(" ")}`;
    case "DELAY":
      return `${what} would wait until ${d.notBefore ?? "the conflict has passed"} before it starts; the gates are checked then.`;
    case "QUEUE":
      return `${what} would wait in line at position ${d.line.position}, behind ${d.line.ahead.map((m) => `${m.type} ${m.id} (${m.state})`).join(", ")}; it starts when they finish, and the gates are checked then.`;
    case "PAUSE_FOR_REVIEW":
      return `${what} would take its locks and then pause for a person: ${d.pauseCauses.join(" ")}`;
    case "RUN":
      return d.line.preempt.length > 0
        ? `${what} would start now, taking ${service} first: it stops ${d.line.preempt.map((m) => `${m.type} ${m.id}`).join(", ")} at the next safe point.`
        : `${what} would start now: no conflict holds it and every gate passes.`;
  }
}

