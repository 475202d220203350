import { canonicalJson, sha256Hex } from "../audit/canonical-hash";
import type { JsonValue } from "../audit/types";
import type { Conflict, ConflictSeverity } from "../conflicts/types";
import { CONFLICT_SEVERITIES } from "../conflicts/types";
import type { GateResult } from "../gates/types";
import type { NewReview, OperationRecord } from "./ports";

/** One cause of a pause, as the review shows it: who or what asked for the person. */
export interface PauseCause {
  kind: "requested" | "conflict" | "gate" | "person";
  text: string;
}

export interface PauseReason {
  /** One sentence per cause, joined: what the reviewer is asked to look at. */
  reason: string;
  severity: ConflictSeverity;
  /** Each cause on its own, so the console names the real one (a request at submission is not "the gates"). */
  causes: PauseCause[];
}

/**
 * A submitter may ask for a person before the change runs (in the demo,
 * docs/demo.md#what-is-real-and-what-is-simulated: a fix the planner scored
 * MANUAL_REVIEW, a pattern it is not sure of, a human override):
 * `params.reviewRequired` holds why (docs/specification.md#state-machine). It cannot be used to skip a
 * review, only to add one.
 */
export function reviewRequestedIn(params: OperationRecord["params"]): string | null {
  const raw = params.reviewRequired;
  if (raw === true) return "the submitter asked for a review";
  return typeof raw === "string" && raw.trim() !== "" ? raw.trim().slice(0, 500) : null;
}

/**
 * Why an operation pauses: the conflicts whose action is PAUSE_FOR_REVIEW and
 * the failed gates configured to pause. A failed gate counts as HIGH (the
 * original specification's workflow 3 paused an exhausted error budget with
 * severity high; docs/specification.md#reference-workflows).
 */
export function pauseReasonOf(conflicts: readonly Conflict[], pausingGates: readonly GateResult[], requested: string | null = null): PauseReason {
  const causes: PauseCause[] = [
    ...(requested ? [{ kind: "requested" as const, text: `Review requested at submission: ${requested}` }] : []),
    ...conflicts.filter((c) => c.action === "PAUSE_FOR_REVIEW").map((c) => ({ kind: "conflict" as const, text: c.explanation })),
    ...pausingGates.map((g) => ({ kind: "gate" as const, text: g.reason })),
  ];
  const reasons = causes.map((c) => c.text);
  const severities: ConflictSeverity[] = [
    ...conflicts.filter((c) => c.action === "PAUSE_FOR_REVIEW").map((c) => c.severity),
    ...(pausingGates.length > 0 || requested ? (["HIGH"] as const) : []),
  ];
  const severity = severities.reduce<ConflictSeverity>((a, b) => (CONFLICT_SEVERITIES.indexOf(b) > CONFLICT_SEVERITIES.indexOf(a) ? b : a), "LOW");
  return { reason: reasons.join(" ") || "Paused for review", severity, causes };
}

/** A person paused the operation while it ran (docs/lifecycle.md "Stop and hold running work"). */
export function pausedByPerson(by: string, why: string): PauseReason {
  const text = `Paused by ${by} while it ran: ${why}`;
  return { reason: text, severity: "HIGH", causes: [{ kind: "person", text }] };
}

/**
 * The review a pause creates: the evidence the reviewer is shown (the
 * operation and its parameters, conflicts with their explanations, every gate
 * result, the blast radius) and the SHA-256 of its canonical JSON, so a
 * decision records exactly which evidence it was made on. Escalation
 * deadlines are fixed now, for the notifier.
 */
export function buildReview(input: {
  id: string;
  operation: OperationRecord;
  conflicts: readonly Conflict[];
  gates: readonly GateResult[];
  blastRadius: JsonValue;
  pause: PauseReason;
  now: Date;
  escalationMinutes: readonly number[];
  timeoutMs: number;
}): NewReview {
  const op = input.operation;
  const evidence = buildEvidence(input);
  const escalationPlan = input.escalationMinutes.map((minutes, i) => ({ level: i + 1, at: new Date(input.now.getTime() + minutes * 60_000).toISOString() }));
  return {
    id: input.id,
    operationId: op.id,
    requestedBy: "system",
    reason: input.pause.reason,
    severity: input.pause.severity,
    evidence,
    evidenceHash: evidenceHash(evidence),
    escalationPlan,
    nextEscalationAt: escalationPlan[0] ? new Date(escalationPlan[0].at) : null,
    timeoutAt: new Date(input.now.getTime() + input.timeoutMs),
    createdAt: input.now,
  };
}

/**
 * What a reviewer is shown, as hashed: the operation and its parameters, the
 * causes of the pause, every conflict and gate result, the blast radius. The
 * time of the evaluation is kept beside it (reviews.evaluated_at), not in it,
 * so re-evaluating unchanged evidence keeps its hash.
 */
export function buildEvidence(input: { operation: OperationRecord; conflicts: readonly Conflict[]; gates: readonly GateResult[]; blastRadius: JsonValue; pause: PauseReason }): { [key: string]: JsonValue } {
  const op = input.operation;
  return {
    operation: { id: op.id, type: op.type, service: op.service, actor: op.actor, correlationId: op.correlationId, params: op.params, createdAt: op.createdAt.toISOString() },
    reason: input.pause.reason,
    severity: input.pause.severity,
    causes: input.pause.causes.map((c) => ({ kind: c.kind, text: c.text })),
    conflicts: input.conflicts.map((c) => JSON.parse(JSON.stringify(c)) as JsonValue),
    gates: input.gates.map((g) => ({ gate: g.gate, passed: g.passed, skipped: g.skipped, observed: g.observed, threshold: g.threshold, unit: g.unit, reason: g.reason, source: g.source ?? null })),
    blastRadius: input.blastRadius,
  };
}

export function evidenceHash(evidence: { [key: string]: JsonValue }): string {
  return sha256Hex(canonicalJson(evidence));
}
