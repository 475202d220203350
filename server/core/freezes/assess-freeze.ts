// The FREEZE gate as the orchestrator, fresh evidence and the break-glass
// endpoint read it (docs/freezes.md#the-freeze-gate): the windows, the halts
// in force and the service's team and tier, read now, then the pure decision.
import type { GateResult } from "../gates/types";
import type { OperationType } from "../operations/types";
import { evaluateFreeze, type FreezeVerdict } from "./evaluate-freeze";
import type { BreakGlass } from "./types";
import type { FreezeSource } from "./window-ports";

export interface FreezeAssessment {
  verdict: FreezeVerdict;
  /** The FREEZE gate result recorded beside the six threshold gates. */
  result: GateResult;
}

export async function assessFreeze(source: FreezeSource, op: { type: OperationType; service: string; createdAt: Date; breakGlass: BreakGlass | null }, now: Date): Promise<FreezeAssessment> {
  const [windows, facts, halts] = await Promise.all([source.windows.list(), source.windows.serviceFacts([op.service]), source.halts.haltsInForce(now)]);
  const fact = facts.get(op.service) ?? null;
  const verdict = evaluateFreeze({
    subject: { type: op.type, service: op.service, team: fact?.team ?? null, tier: fact?.tier ?? null, createdAt: op.createdAt, breakGlass: op.breakGlass },
    windows: windows.filter((w) => w.enabled),
    halts,
    now,
  });
  return { verdict, result: freezeGateResult(verdict) };
}

/** Observed: how many windows and halts hold it; it fails above 0 unless break-glass let it through. */
export function freezeGateResult(verdict: FreezeVerdict): GateResult {
  return { gate: "FREEZE", source: "store", passed: verdict.decision === "PASS", skipped: false, observed: verdict.holds.length, threshold: 0, unit: "restrictions", reason: verdict.reason };
}
