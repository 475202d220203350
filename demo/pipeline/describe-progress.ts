// One line per pipeline event, for the CLI and the console's demo log.
import type { JsonValue } from "../../server/core/audit/types";
import { formatSpan, simulatedAndWall } from "./demo-times";
import type { ProgressEvent } from "./run-self-healing";

const LABELS: Record<string, string> = {
  detection: "INCIDENT DETECTOR",
  root_cause_analysis: "RCA ENGINE",
  code_localization: "CODE LOCALIZER",
  fix_planning: "FIX PLANNER",
  patch_generation: "PATCH GENERATOR",
  conflict_check_and_locks: "CONCURRENCY ORCHESTRATOR",
  safety_gates: "SAFETY GATES",
  human_review: "HUMAN REVIEW",
  verification: "VERIFICATION ENGINE",
  rollback: "ROLLBACK",
  promote: "DEPLOYMENT ENGINE",
  close: "INCIDENT DETECTOR",
  escalation: "ESCALATION",
  observation_window: "VERIFICATION ENGINE",
};

export function describeProgress(event: ProgressEvent): string {
  if (event.kind === "incident") return `[INCIDENT] ${event.key} is ${event.status}`;
  if (event.kind === "operation") return `[ORCHESTRATOR] ${event.type} ${event.operationId.slice(0, 8)} → ${event.state}${event.result ? ` (${event.result})` : ""}${event.reason ? `: ${event.reason}` : ""}`;
  const label = LABELS[event.stage] ?? (/^(canary|direct)_/.test(event.stage) ? "CANARY ANALYZER" : event.stage.toUpperCase());
  return `[${label}] ${event.stage.replace(/_/g, " ")}: ${event.outcome}${summarize(event.stage, event.detail)}`;
}

function summarize(stage: string, d: { [key: string]: JsonValue }): string {
  const s = (v: JsonValue | undefined) => (v === undefined || v === null ? "" : String(v));
  switch (stage) {
    case "detection":
      return ` — ${s(d.metric)} ${s(d.value)}${d.unit === "%" ? "%" : " ms"} (threshold ${s(d.threshold)}${d.unit === "%" ? "%" : " ms"}), pattern ${s(d.pattern)} at ${Math.round(Number(d.confidence ?? 0) * 100)}%`;
    case "root_cause_analysis":
      return ` — blame ${s(d.blamedService)} via ${Array.isArray(d.path) ? d.path.join(" → ") : ""} (${Math.round(Number(d.confidence ?? 0) * 100)}%)`;
    case "code_localization":
      return ` — ${s(d.file)}:${s(d.line)} in ${s(d.function)}: ${s(d.expression)}`;
    case "fix_planning":
      return ` — risk ${s(d.riskScore)} → ${s(d.strategy)}`;
    case "patch_generation":
      return ` — ${s(d.template)} on ${s(d.file)} (+${s(d.linesAdded)} −${s(d.linesRemoved)}, syntax ${d.syntaxValid ? "valid" : "INVALID"})`;
    case "close":
      return ` — MTTR ${simulatedAndWall(Number(d.mttrMs ?? 0), Number(d.timeScale ?? 1))}${typeof d.orchestratorMs === "number" ? `; Interlock deciding: ${formatSpan(d.orchestratorMs)} of real time` : ""}`;
    default: {
      const canary = d.canary as { errorRatePct?: number; latencyP99Ms?: number } | undefined;
      const baseline = d.baseline as { errorRatePct?: number; latencyP99Ms?: number } | undefined;
      if (canary && baseline) return ` — canary ${canary.errorRatePct}% / ${canary.latencyP99Ms} ms vs baseline ${baseline.errorRatePct}% / ${baseline.latencyP99Ms} ms`;
      if (typeof d.reason === "string" && d.reason) return ` — ${d.reason}`;
      if (typeof d.summary === "string") return ` — ${d.summary}`;
      return "";
    }
  }
}
