import { z } from "zod";
import type { JsonValue } from "../audit/types";
import type { Conflict } from "../conflicts/types";
import { assessGates } from "../gates/assess-gates";
import { assessFreeze } from "../freezes/assess-freeze";
import type { GateEvaluation } from "../gates/types";
import { checkConflictsNow, estimatedImpactPct } from "./check-conflicts-now";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationRecord } from "./ports";
import { buildEvidence, evidenceHash, pauseReasonOf, reviewRequestedIn, type PauseCause, type PauseReason } from "./review-evidence";

export interface FreshEvidence {
  evidence: { [key: string]: JsonValue };
  hash: string;
  pause: PauseReason;
  conflicts: Conflict[];
  gates: GateEvaluation;
  evaluatedAt: Date;
}

/**
 * The evidence of a paused operation as it stands now (docs/lifecycle.md
 * "Fresh evidence at decision time"): its conflicts with the work in flight
 * now, every gate read now against the configuration in force now, its blast
 * radius on the graph now. The causes of the pause keep what a person or the
 * submitter asked for; the conflicts and gates are re-read. Reads only.
 */
export async function evaluateEvidenceNow(deps: OrchestratorDeps, op: OperationRecord, previousCauses: readonly PauseCause[], now: Date): Promise<FreshEvidence> {
  // As if it arrived now: it would start now, beside whatever is in flight now, including work submitted after it paused.
  const { check } = await checkConflictsNow(deps, { ...op, seq: undefined }, now);
  const assessed = await assessGates(
    { gateConfig: deps.gateConfig, signals: deps.signals, history: deps.gateHistory },
    { id: op.id, type: op.type, service: op.service, blastRadiusPct: estimatedImpactPct(check.blastRadius) },
    now,
  );
  // The FREEZE gate too (docs/freezes.md#approving-during-a-freeze): an approval during a freeze is refused unless break-glass let it through.
  const freeze = deps.freezes ? (await assessFreeze(deps.freezes, op, now)).result : null;
  const gates: GateEvaluation = freeze ? { ...assessed, results: [...assessed.results, freeze], failed: freeze.passed ? assessed.failed : [...assessed.failed, "FREEZE"] } : assessed;
  const pausingGates = gates.results.filter((r) => !r.passed);
  const fromConflictsAndGates = pauseReasonOf(check.conflicts, pausingGates, reviewRequestedIn(op.params));
  // A person's pause is not something a re-evaluation can find again: keep it.
  const personal = previousCauses.filter((c) => c.kind === "person");
  const causes = [...personal, ...fromConflictsAndGates.causes];
  const pause: PauseReason = {
    causes,
    reason: causes.map((c) => c.text).join(" ") || "Paused for review",
    severity: personal.length > 0 && fromConflictsAndGates.severity === "LOW" ? "HIGH" : fromConflictsAndGates.severity,
  };
  const blastRadius = JSON.parse(JSON.stringify(check.blastRadius)) as JsonValue;
  const evidence = buildEvidence({ operation: op, conflicts: check.conflicts, gates: gates.results, blastRadius, pause });
  return { evidence, hash: evidenceHash(evidence), pause, conflicts: check.conflicts, gates, evaluatedAt: now };
}

/** What a review keeps of a fresh evaluation (OperationStore.refreshReview). */
export function reviewRefreshOf(fresh: FreshEvidence): { evidence: { [key: string]: JsonValue }; evidenceHash: string; reason: string; severity: PauseReason["severity"]; evaluatedAt: Date } {
  return { evidence: fresh.evidence, evidenceHash: fresh.hash, reason: fresh.pause.reason, severity: fresh.pause.severity, evaluatedAt: fresh.evaluatedAt };
}

/** The causes recorded in a review's evidence (older reviews have none: read as empty). */
export function causesOf(evidence: { [key: string]: JsonValue }): PauseCause[] {
  const raw = evidence.causes;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((c) => {
    if (c === null || typeof c !== "object" || Array.isArray(c)) return [];
    const kind = c.kind;
    const text = c.text;
    return (kind === "requested" || kind === "conflict" || kind === "gate" || kind === "person") && typeof text === "string" ? [{ kind, text }] : [];
  });
}

// What compareEvidence reads of a review's evidence (as buildEvidence writes it).
const ZEvidenceConflict = z.object({ type: z.string(), action: z.string(), explanation: z.string(), conflictingOperationIds: z.array(z.string()).default([]) });
const ZEvidenceGate = z.object({ gate: z.string(), passed: z.boolean(), threshold: z.number(), unit: z.string(), reason: z.string() });
type EvidenceConflict = z.output<typeof ZEvidenceConflict>;

/** The entries of the list `evidence[key]` that read as `schema`; none when there is no such list. */
function entriesOf<S extends z.ZodType>(evidence: { [key: string]: JsonValue }, key: string, schema: S): z.output<S>[] {
  const list = evidence[key];
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry) => {
    const parsed = schema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Actions that only order work (wait in line, wait out a window): a new one is not a new risk. */
const SEQUENCING = new Set(["QUEUE", "DELAY"]);

/**
 * What changed between the evidence a reviewer saw and the evidence now, one
 * sentence each, and whether the verdict got worse: a new conflict that is
 * more than sequencing, a gate that now fails, a larger blast radius. Pure.
 */
export function compareEvidence(before: { [key: string]: JsonValue }, after: { [key: string]: JsonValue }): { changes: string[]; worse: boolean } {
  const changes: string[] = [];
  let worse = false;
  const conflictsOf = (e: { [key: string]: JsonValue }) => entriesOf(e, "conflicts", ZEvidenceConflict);
  const keyOf = (c: EvidenceConflict) => `${c.type}:${[...c.conflictingOperationIds].sort().join(",")}`;
  const old = new Map(conflictsOf(before).map((c) => [keyOf(c), c]));
  const now = new Map(conflictsOf(after).map((c) => [keyOf(c), c]));
  for (const [key, c] of now) {
    if (old.has(key)) continue;
    changes.push(`New ${c.type} conflict (${c.action}): ${c.explanation}`);
    if (!SEQUENCING.has(c.action)) worse = true;
  }
  for (const [key, c] of old) if (!now.has(key)) changes.push(`No longer a ${c.type} conflict: ${c.explanation}`);

  const gatesOf = (e: { [key: string]: JsonValue }) => new Map(entriesOf(e, "gates", ZEvidenceGate).map((g) => [g.gate, g]));
  const oldGates = gatesOf(before);
  for (const [gate, g] of gatesOf(after)) {
    const was = oldGates.get(gate);
    if (gate === "FREEZE" && !g.passed) {
      // Not a figure that may be judged: only break-glass (a role named by the window or halt) lets a change through a freeze.
      if (was && !was.passed) changes.push(`FREEZE still holds it: ${g.reason}; break glass to let it through`);
      worse = true;
    }
    if (!g.passed && (!was || was.passed)) {
      changes.push(`${gate} now fails: ${g.reason}`);
      worse = true;
    } else if (g.passed && was && !was.passed) {
      changes.push(`${gate} now passes: ${g.reason}`);
    }
    if (was && was.threshold !== g.threshold) changes.push(`${gate} threshold changed from ${was.threshold} to ${g.threshold} ${g.unit}`);
  }

  const scoreOf = (e: { [key: string]: JsonValue }) => {
    const b = e.blastRadius;
    return b !== null && typeof b === "object" && !Array.isArray(b) && typeof b.score === "number" ? b.score : null;
  };
  const [s0, s1] = [scoreOf(before), scoreOf(after)];
  if (s0 !== null && s1 !== null && s1 !== s0) {
    changes.push(`Blast radius ${s1 > s0 ? "grew" : "shrank"} from ${s0} to ${s1}`);
    if (s1 > s0) worse = true;
  }
  return { changes, worse };
}
