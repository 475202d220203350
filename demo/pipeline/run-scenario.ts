// Runs one row of the failure injection matrix (docs/spec/failure-matrix.md)
// and reports it as the matrix's table has it (expected reaction, actual
// result, pass or fail), with how long it took. Whatever the row injected is
// withdrawn afterwards, whether it passed, failed or threw, so the next row
// starts from a healthy estate. A row the environment cannot run is reported
// unavailable, with the reason, and not run.
import type { JsonValue } from "../../server/core/audit/types";
import type { DemoEnvironment } from "./demo-environment";
import type { FailureScenario, ScenarioContext } from "./failure-matrix";
import { MATRIX_ACTOR } from "./scenario-kit";

/** A row's description, and when it ran (`unavailableReason` null), what happened. */
export interface ScenarioReport extends ScenarioDescription {
  actual: string;
  /** False too when the row was not run (`unavailableReason` says why; nothing was injected). */
  passed: boolean;
  durationMs: number;
  incident: { id: string; key: string } | null;
  operations: string[];
  /** Detected → resolved on the wall clock, when the row healed an incident. */
  mttrMs: number | null;
  /** Interlock's own decision time over the row's operations, real time (docs/demo.md#time-in-the-demo). */
  orchestratorMs: number | null;
  evidence: { [key: string]: JsonValue };
}

export async function runScenario(env: DemoEnvironment, scenario: FailureScenario, ctx: ScenarioContext): Promise<ScenarioReport> {
  const unavailable = scenario.unavailableIn?.(env) ?? null;
  if (unavailable) {
    ctx.log(`Not run: this row ${unavailable}`);
    return { ...describeScenario(scenario, env), actual: `Unavailable here: this row ${unavailable}`, passed: false, durationMs: 0, incident: null, operations: [], mttrMs: null, orchestratorMs: null, evidence: {} };
  }
  const started = performance.now();
  await env.appendAudit({ category: "SYSTEM_HEALTH", severity: "INFO", actor: MATRIX_ACTOR, action: "demo.scenario.started", payload: { scenario: scenario.id, row: scenario.row, expected: scenario.expected } });
  let report: Omit<ScenarioReport, "durationMs">;
  try {
    const v = await scenario.run(env, ctx);
    report = { ...describeScenario(scenario, env), actual: v.actual, passed: v.passed, incident: v.incident, operations: v.operations, mttrMs: v.mttrMs, orchestratorMs: v.orchestratorMs, evidence: v.evidence };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report = { ...describeScenario(scenario, env), actual: `The scenario stopped before a verdict: ${message}`, passed: false, incident: null, operations: [], mttrMs: null, orchestratorMs: null, evidence: {} };
  } finally {
    env.signals.reset();
    env.lockStore.heal();
  }
  const durationMs = Math.round(performance.now() - started);
  await env.appendAudit({
    category: "SYSTEM_HEALTH",
    severity: report.passed ? "INFO" : "WARNING",
    actor: MATRIX_ACTOR,
    action: "demo.scenario.finished",
    payload: { scenario: scenario.id, row: scenario.row, passed: report.passed, expected: report.expected, actual: report.actual, durationMs, operations: report.operations },
  });
  return { ...report, durationMs };
}

export interface ScenarioDescription {
  id: string;
  row: number;
  title: string;
  injectedAt: string;
  expected: string;
  /** Why the row cannot run in this environment; null when it can (or no environment was asked). */
  unavailableReason: string | null;
}

export function describeScenario(s: FailureScenario, env: DemoEnvironment | null): ScenarioDescription {
  return { id: s.id, row: s.row, title: s.title, injectedAt: s.injectedAt, expected: s.expected, unavailableReason: env ? (s.unavailableIn?.(env) ?? null) : null };
}
