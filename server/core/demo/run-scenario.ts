// Runs one row of the failure matrix and reports it as seed 001's table has
// it (expected reaction, actual result, pass or fail), with how long it took.
// Whatever the row injected is withdrawn afterwards, whether it passed, failed
// or threw, so the next row starts from a healthy estate.
import type { JsonValue } from "../audit/types";
import type { DemoEnvironment } from "./demo-environment";
import type { FailureScenario, ScenarioContext } from "./failure-matrix";
import { MATRIX_ACTOR } from "./scenario-kit";

export interface ScenarioReport {
  id: string;
  row: number;
  title: string;
  injectedAt: string;
  expected: string;
  actual: string;
  passed: boolean;
  durationMs: number;
  incident: { id: string; key: string } | null;
  operations: string[];
  mttrMs: number | null;
  evidence: { [key: string]: JsonValue };
}

export async function runScenario(env: DemoEnvironment, scenario: FailureScenario, ctx: ScenarioContext): Promise<ScenarioReport> {
  const started = performance.now();
  await env.appendAudit({ category: "SYSTEM_HEALTH", severity: "INFO", actor: MATRIX_ACTOR, action: "demo.scenario.started", payload: { scenario: scenario.id, row: scenario.row, expected: scenario.expected } });
  let report: Omit<ScenarioReport, "durationMs">;
  try {
    const v = await scenario.run(env, ctx);
    report = { ...describeScenario(scenario), actual: v.actual, passed: v.passed, incident: v.incident, operations: v.operations, mttrMs: v.mttrMs, evidence: v.evidence };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report = { ...describeScenario(scenario), actual: `The scenario stopped before a verdict: ${message}`, passed: false, incident: null, operations: [], mttrMs: null, evidence: {} };
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

export function describeScenario(s: FailureScenario): Pick<ScenarioReport, "id" | "row" | "title" | "injectedAt" | "expected"> {
  return { id: s.id, row: s.row, title: s.title, injectedAt: s.injectedAt, expected: s.expected };
}
