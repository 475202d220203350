// The self-healing demo's API (docs/api.md#incidents-kpis-demo), safe for the
// browser: zod only. They describe what demo/pipeline/demo-runner.ts returns.
// Each named schema is an OpenAPI component.
import { z } from "zod";

const ZDateTime = z.iso.datetime();

export const ZDemoScenario = z
  .strictObject({
    id: z.string().describe("Pass as `scenario` to start a run, e.g. high-error-rate"),
    row: z.int().min(1).max(20).describe("The row of the failure injection matrix"),
    title: z.string(),
    injectedAt: z.string(),
    expected: z.string().describe("The expected system reaction the run is judged against"),
    unavailableReason: z
      .string()
      .nullable()
      .describe("Why this server cannot run the row (e.g. the crash row needs a database a second process can open); null when it can. Starting it answers 503 with the same reason."),
  })
  .meta({ id: "DemoScenario" });

export const ZDemoPlace = z
  .strictObject({
    sandboxed: z
      .boolean()
      .describe("True on a DATABASE_URL deployment: each run happens in a sandbox store of its own (database, audit chain, lock store, console inbox), so its incident, operations, locks and audit events are not in this console's lists"),
    description: z.string().describe("Where runs happen, in words"),
  })
  .meta({ id: "DemoPlace" });

export const ZDemoCatalog = z
  .strictObject({
    available: z.boolean().describe("False when this server cannot inject faults (on the embedded store: it reads Prometheus or deploys through the webhook)"),
    unavailableReason: z.string().nullable(),
    where: ZDemoPlace.nullable().describe("Where runs happen; null when the demo cannot run here"),
    timeScale: z.number().describe("SIMULATION_TIME_SCALE: simulated waits (canary bakes, image build) run this many times faster"),
    manualMttrMinutes: z.number().describe("The manual-MTTR baseline in force (the incident setting manualMttrMinutes, 45 unless an admin changed it): real-world minutes, compared only with a run's MTTR on the simulated basis"),
    demoScenario: z.string().describe("The scenario of the one-click demo: the payment-service NullPointerException"),
    scenarios: z.array(ZDemoScenario),
  })
  .meta({ id: "DemoCatalog" });

export const ZDemoTimes = z
  .strictObject({
    timeScale: z.number().describe("Simulated waits ran this many times faster"),
    wallMs: z.number().describe("Detected → resolved on the wall clock"),
    simulatedMs: z.number().describe("The same on the simulated basis: wall time × time scale"),
    manualMs: z.number().describe("The manual baseline (real-world time, the simulated basis's own)"),
    differenceMs: z.number().describe("Manual baseline − simulated MTTR; negative when the run took longer"),
    manualRatio: z.number().nullable().describe("Manual baseline ÷ simulated MTTR, both on the simulated basis"),
    orchestratorMs: z.number().nullable().describe("Interlock's own decision time, real time: never compared with simulated time"),
    operations: z.int().describe("How many operations orchestratorMs covers"),
    text: z.strictObject({
      mttr: z.string().describe('e.g. "28 min 24 s of simulated time, run 60× faster: 28.4 s of wall time"'),
      versusManual: z.string().describe('e.g. "against 45 min by hand: 16 min 36 s less (the manual baseline is 1.6× as long)"'),
      orchestrator: z.string().nullable().describe('e.g. "84 ms of real time deciding (conflict checks, locks, gates) for 2 operations, not scaled"'),
    }),
  })
  .meta({ id: "DemoTimes" });

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
    durationMs: z.number().nullable().describe("The run's length on the wall clock"),
    timeScale: z.number().describe("The run's SIMULATION_TIME_SCALE: its simulated waits ran this many times faster"),
    mttrMs: z.number().nullable().describe("Detected → resolved on the wall clock, when the run healed an incident"),
    orchestratorMs: z.number().nullable().describe("Interlock's own decision time over the run's operations (conflict checks, locks, gates: their time in INIT, LOCKED and SAFETY_CHECK), real time, not scaled"),
    times: ZDemoTimes.nullable().describe("The MTTR on the simulated basis against the manual baseline, and Interlock's share apart; null unless the run healed an incident"),
    incident: z.strictObject({ id: z.guid(), key: z.string() }).nullable(),
    operations: z.array(z.guid()),
    sandbox: z
      .string()
      .nullable()
      .describe("The sandbox the run happened in (e.g. a throwaway Postgres database, dropped after the run); null when it ran beside this server's store. A sandboxed run's incident and operations are not in this console's lists."),
    log: z.array(ZDemoRunLogLine).describe("What the pipeline and the orchestrator did, as it happened (at most the last 300 lines)"),
  })
  .meta({ id: "DemoRun" });

export const ZDemoRunList = z.strictObject({ items: z.array(ZDemoRun).describe("This server's recent runs, newest first (kept in memory; each run's verdict is also in the audit log as demo.scenario.finished)") }).meta({ id: "DemoRunList" });

export type TDemoScenario = z.infer<typeof ZDemoScenario>;
export type TDemoPlace = z.infer<typeof ZDemoPlace>;
export type TDemoCatalog = z.infer<typeof ZDemoCatalog>;
export type TDemoRun = z.infer<typeof ZDemoRun>;
export type TDemoTimes = z.infer<typeof ZDemoTimes>;
export type TDemoRunList = z.infer<typeof ZDemoRunList>;
