// The matrix's auto-heal rows must not depend on the hour they run at: the
// fix planner's timing factor doubles at peak hours. Each injected fault is
// planned here, through the real stages, at a peak and an off-peak hour.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_TOPOLOGY } from "../../server/core/topology/demo-topology";
import { detectIncident } from "./analysis/detect-incident";
import { planFix } from "./analysis/plan-fix";
import { simulateTelemetry } from "./analysis/simulate-telemetry";
import { generatePatch } from "./code/generate-patch";
import { localizeCode } from "./code/localize-code";
import { FULFILLMENT_TIMEOUT, INVENTORY_CONNECTION_RESETS, PAYMENT_NULL_POINTER, PAYMENT_POOL_EXHAUSTED, USER_NULL_POINTER } from "./incident-scripts";
import type { IncidentScript } from "./run-self-healing";

const root = path.resolve(import.meta.dirname, "../services");
const PEAK = new Date("2026-11-25T14:00:00.000Z"); // a Wednesday afternoon
const OFF_PEAK = new Date("2026-11-25T22:00:00.000Z");

function plan(script: IncidentScript, now: Date) {
  const telemetry = simulateTelemetry(script.telemetry, now);
  const detection = detectIncident({ telemetry, now })!;
  const frame = script.telemetry.frame!;
  const source = fs.readFileSync(path.join(root, script.telemetry.service, frame.file), "utf8");
  const location = localizeCode({ file: frame.file, source, frame, pattern: detection.pattern, property: script.property });
  const patch = generatePatch({ file: frame.file, source, location });
  const criticality = DEMO_TOPOLOGY.services.find((s) => s.name === script.telemetry.service)!.criticality;
  return planFix({ criticality, linesChanged: patch.linesAdded + patch.linesRemoved, detection, now, patternConfidence: detection.confidence });
}

describe("the injected faults' fix plans", () => {
  const cases: [string, IncidentScript, string][] = [
    ["payment-service null pointer (rows 1, 12)", PAYMENT_NULL_POINTER, "CANARY_DEPLOY"],
    ["user-service null pointer (rows 3, 11)", USER_NULL_POINTER, "CANARY_DEPLOY"],
    ["fulfillment-service timeout (row 2)", FULFILLMENT_TIMEOUT, "DIRECT_DEPLOY"],
    ["payment-service pool (row 4)", PAYMENT_POOL_EXHAUSTED, "CANARY_DEPLOY"],
    ["inventory-service resets (row 10)", INVENTORY_CONNECTION_RESETS, "CANARY_DEPLOY"],
  ];
  for (const [name, script, strategy] of cases) {
    it(`${name}: ${strategy} at any hour`, () => {
      const offPeak = plan(script, OFF_PEAK);
      const peak = plan(script, PEAK);
      expect(offPeak.strategy).toBe(strategy);
      expect(peak.strategy).toBe(strategy);
      expect(peak.riskScore).toBeGreaterThan(offPeak.riskScore);
    });
  }
});
