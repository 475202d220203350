// The console's demo runs (docs/demo.md#running-it): one scenario at a time in this process (the
// scenarios set the simulated signals, which are this process's), started in
// the background and watched by polling. Each run takes its environment from
// the estate (beside the server's store, or a sandbox of its own:
// docs/demo.md#where-a-run-happens) and gives it back when it ends. The verdicts
// are also in the audit log the run wrote to (demo.scenario.started /
// finished); this registry only keeps the live view, the last few runs, in memory.
import { z } from "zod";
import type { Clock } from "../../server/core/clock";
import { AppError } from "../../server/core/errors";
import type { DemoEstate } from "./demo-estate";
import { FAILURE_SCENARIOS, findScenario, type FailureScenario } from "./failure-matrix";
import { describeProgress } from "./describe-progress";
import { describeScenario, runScenario, type ScenarioReport } from "./run-scenario";
import { demoTimes, type DemoTimes } from "./demo-times";

/** The one-click demo's scenario: the payment-service NullPointerException healed end to end. */
export const DEMO_SCENARIO_ID = "high-error-rate";

export const ZStartDemoRunInput = z.strictObject({
  scenario: z.enum(FAILURE_SCENARIOS.map((s) => s.id) as [string, ...string[]]).describe("A scenario id from GET /api/v1/demo/scenarios"),
});

export interface DemoRunView {
  id: string;
  scenario: ReturnType<typeof describeScenario>;
  status: "RUNNING" | "PASSED" | "FAILED";
  startedBy: string;
  startedAt: string;
  endedAt: string | null;
  actual: string | null;
  passed: boolean | null;
  /** The run's length on the wall clock. */
  durationMs: number | null;
  /** SIMULATION_TIME_SCALE of the run: its simulated waits ran this many times faster (docs/demo.md#time-in-the-demo). */
  timeScale: number;
  /** Detected → resolved on the wall clock, when the run healed an incident. */
  mttrMs: number | null;
  /** Interlock's own decision time over the run's operations (conflict checks, locks, gates), real time. */
  orchestratorMs: number | null;
  /** The MTTR on the simulated basis against the manual baseline, with Interlock's share apart; null unless an incident was healed. */
  times: DemoTimes | null;
  incident: { id: string; key: string } | null;
  operations: string[];
  /** The sandbox the run happened in, in words; null when it ran beside this server's store (its incident and operations are then in the console's lists). */
  sandbox: string | null;
  log: { at: string; text: string }[];
}

const KEEP_RUNS = 25;
const KEEP_LINES = 300;

export class DemoRunner {
  private readonly runs: DemoRunView[] = [];
  private running: DemoRunView | null = null;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      /** Where runs happen; null when this server cannot inject faults (`unavailableReason` says why). */
      estate: DemoEstate | null;
      unavailableReason: string | null;
      /** The manual baseline in force (the incident setting manualMttrMinutes). */
      manualMttrMinutes: () => Promise<number>;
      clock: Clock;
      newId: () => string;
      onError: (error: unknown) => void;
    },
  ) {}

  async catalog() {
    const { estate } = this.deps;
    return {
      available: estate !== null,
      unavailableReason: estate ? null : this.deps.unavailableReason,
      where: estate?.place ?? null,
      timeScale: estate?.timeScale ?? 1,
      manualMttrMinutes: await this.deps.manualMttrMinutes(),
      demoScenario: DEMO_SCENARIO_ID,
      scenarios: FAILURE_SCENARIOS.map((s) => this.describe(s)),
    };
  }

  /** Resolves once no run is in progress (shutdown, and tests that must not race a drill). */
  settled(): Promise<void> {
    return this.done;
  }

  list(): DemoRunView[] {
    return this.runs.map(copy);
  }

  get(id: string): DemoRunView {
    const run = this.runs.find((r) => r.id === id);
    if (!run) throw new AppError("NOT_FOUND", `No demo run ${id} on this server (runs are kept in memory; the audit log holds every verdict)`, { id });
    return copy(run);
  }

  /** Starts a scenario in the background; refused while another runs. */
  start(input: unknown, actor: string): DemoRunView {
    const { scenario: id } = ZStartDemoRunInput.parse(input);
    const estate = this.deps.estate;
    if (!estate) throw new AppError("UNAVAILABLE", `The demo cannot run on this server: ${this.deps.unavailableReason}`);
    const scenario = findScenario(id);
    if (!scenario) throw new AppError("NOT_FOUND", `No scenario ${id}`, { scenario: id });
    const unavailable = estate.unavailableIn(scenario);
    if (unavailable) throw new AppError("UNAVAILABLE", `Row ${scenario.row} (${scenario.title}) cannot run on this server: it ${unavailable}`, { scenario: id });
    if (this.running) {
      const r = this.running;
      throw new AppError("CONFLICT", `A demo run is in progress: "${r.scenario.title}", started by ${r.startedBy} at ${r.startedAt}. One scenario runs at a time (they share the simulated signals).`, { runId: r.id });
    }
    const run: DemoRunView = {
      id: this.deps.newId(),
      scenario: this.describe(scenario),
      status: "RUNNING",
      startedBy: actor,
      startedAt: this.deps.clock.now().toISOString(),
      endedAt: null,
      actual: null,
      passed: null,
      durationMs: null,
      timeScale: estate.timeScale,
      mttrMs: null,
      orchestratorMs: null,
      times: null,
      incident: null,
      operations: [],
      sandbox: estate.place.sandboxed ? estate.place.description : null,
      log: [],
    };
    this.running = run;
    this.runs.unshift(run);
    this.runs.splice(KEEP_RUNS);
    const say = (text: string) => {
      run.log.push({ at: this.deps.clock.now().toISOString(), text });
      if (run.log.length > KEEP_LINES) run.log.splice(0, run.log.length - KEEP_LINES);
    };
    say(`Injecting: ${scenario.title} at ${scenario.injectedAt}. Expected: ${scenario.expected}.`);
    const ctx = {
      log: say,
      progress: (event: Parameters<typeof describeProgress>[0]) => {
        if (event.kind === "incident" && !run.incident) run.incident = { id: event.incidentId, key: event.key };
        if (event.kind === "operation" && !run.operations.includes(event.operationId)) run.operations.push(event.operationId);
        say(describeProgress(event));
      },
    };
    const { timeScale } = estate;
    this.done = (async () => {
      const opened = await estate.open(scenario);
      try {
        if (opened.sandbox) {
          run.sandbox = opened.sandbox;
          say(`In a sandbox: ${opened.sandbox}. Its incident, operations, locks and audit events are its own, not this console's.`);
        }
        return await runScenario(opened.env, scenario, ctx);
      } finally {
        await opened.close().catch((error: unknown) => this.deps.onError(error));
      }
    })()
      .then(async (report: ScenarioReport) => {
        const times =
          report.mttrMs === null
            ? null
            : demoTimes({ wallMs: report.mttrMs, timeScale, manualMttrMinutes: await this.deps.manualMttrMinutes(), orchestratorMs: report.orchestratorMs, operations: report.operations.length });
        Object.assign(run, {
          status: report.passed ? "PASSED" : "FAILED",
          endedAt: this.deps.clock.now().toISOString(),
          actual: report.actual,
          passed: report.passed,
          durationMs: report.durationMs,
          mttrMs: report.mttrMs,
          orchestratorMs: report.orchestratorMs,
          times,
          incident: report.incident ?? run.incident,
          operations: [...new Set([...run.operations, ...report.operations])],
        });
        say(`${report.passed ? "PASS" : "FAIL"}: ${report.actual}`);
      })
      .catch((error: unknown) => {
        this.deps.onError(error);
        Object.assign(run, { status: "FAILED", endedAt: this.deps.clock.now().toISOString(), passed: false, actual: `The run stopped: ${error instanceof Error ? error.message : String(error)}` });
      })
      .finally(() => {
        if (this.running === run) this.running = null;
      });
    return copy(run);
  }

  private describe(scenario: FailureScenario) {
    return { ...describeScenario(scenario, null), unavailableReason: this.deps.estate?.unavailableIn(scenario) ?? null };
  }
}

function copy(run: DemoRunView): DemoRunView {
  return { ...run, operations: [...run.operations], log: [...run.log], times: run.times && { ...run.times, text: { ...run.times.text } } };
}
