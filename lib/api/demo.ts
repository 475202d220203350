// The self-healing demo's API (C9), safe for the browser: zod only. They
// describe what server/core/demo/demo-runner.ts returns. Each named schema is
// an OpenAPI component.
import { z } from "zod";

const ZDateTime = z.iso.datetime();

export const ZDemoScenario = z
  .strictObject({
    id: z.string().describe("Pass as `scenario` to start a run, e.g. high-error-rate"),
    row: z.int().min(1).max(20).describe("The row of seed 001's failure injection matrix"),
    title: z.string(),
    injectedAt: z.string(),
    expected: z.string().describe("The expected system reaction the run is judged against"),
  })
  .meta({ id: "DemoScenario" });

export const ZDemoCatalog = z
  .strictObject({
    available: z.boolean().describe("False when this server cannot inject faults (it reads Prometheus or deploys through the webhook)"),
    unavailableReason: z.string().nullable(),
    timeScale: z.number().describe("SIMULATION_TIME_SCALE: simulated waits (canary bakes, image build) run this many times faster"),
    manualMttrMs: z.number().describe("Seed 001's manual baseline (45 min), for comparison"),
    demoScenario: z.string().describe("The scenario of the one-click demo: seed 001's payment-service NullPointerException"),
    scenarios: z.array(ZDemoScenario),
  })
  .meta({ id: "DemoCatalog" });

export const ZDemoRunLogLine = z.strictObject({ at: ZDateTime, text: z.string() });

export const ZDemoRun = z
  .strictObject({
    id: z.guid(),
    scenario: ZDemoScenario,
    status: z.enum(["RUNNING", "PASSED", "FAILED"]),
    startedBy: z.string(),
    startedAt: ZDateTime,
    endedAt: ZDateTime.nullable(),
    actual: z.string().nullable().describe("What happened, measured; null while running"),
    passed: z.boolean().nullable(),
    durationMs: z.number().nullable(),
    mttrMs: z.number().nullable().describe("Detected → resolved, when the run healed an incident"),
    incident: z.strictObject({ id: z.guid(), key: z.string() }).nullable(),
    operations: z.array(z.guid()),
    log: z.array(ZDemoRunLogLine).describe("What the pipeline and the orchestrator did, as it happened (at most the last 300 lines)"),
  })
  .meta({ id: "DemoRun" });

export const ZDemoRunList = z.strictObject({ items: z.array(ZDemoRun).describe("This server's recent runs, newest first (kept in memory; each run's verdict is also in the audit log as demo.scenario.finished)") }).meta({ id: "DemoRunList" });

export type TDemoScenario = z.infer<typeof ZDemoScenario>;
export type TDemoCatalog = z.infer<typeof ZDemoCatalog>;
export type TDemoRun = z.infer<typeof ZDemoRun>;
export type TDemoRunList = z.infer<typeof ZDemoRunList>;
