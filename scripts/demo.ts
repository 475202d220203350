// `npm run demo`                          the one-click demo: payment-service NullPointerException, healed end to end
// `npm run demo -- --scenario <id|row>`   one row of the failure injection matrix
// `npm run demo -- --list`                the 20 rows
// `npm run demo -- --matrix [--json]`     all 20; with --json the very last line is one JSON object
//     [--time-scale N]                    simulated waits run N times faster (default SIMULATION_TIME_SCALE, 60)
//     [--postgres URL]                    each run's store is a throwaway database created on this Postgres server
//
// Each run gets a throwaway estate: a fresh embedded PGlite store in a
// temporary directory, or with --postgres a fresh database on that server,
// dropped afterwards (never DATABASE_URL's own database: the scenarios inject
// faults), the demo topology, locks on REDIS_URL when it is set (else in the
// store), and the real orchestrator. So a row's verdict depends on its own
// injection only. The crash row kills a worker in a second process, which
// needs a database it can open too: on PGlite it is reported UNAVAILABLE with
// the reason, and not counted.
// Exits 0 when every run that could run passed, 1 when one did not (or the
// one asked for could not run), 2 on bad usage.
import { parseArgs } from "node:util";
import { openDemoSandbox } from "../demo/adapters/demo-sandbox";
import { PostgresIncidentQueries } from "../server/adapters/postgres/incident-queries";
import { describeProgress } from "../demo/pipeline/describe-progress";
import { FAILURE_SCENARIOS, findScenario, type FailureScenario } from "../demo/pipeline/failure-matrix";
import { DEMO_SCENARIO_ID } from "../demo/pipeline/demo-runner";
import { runScenario, type ScenarioReport } from "../demo/pipeline/run-scenario";
import { decisionMs, demoTimes, formatSpan } from "../demo/pipeline/demo-times";
import { getIncidentSettings } from "../server/core/incidents/incident-settings";
import { PrismaIncidentSettingsStore } from "../server/adapters/postgres/incident-settings-store";

const usage = "usage: npm run demo [-- --scenario <id|row> | --list | --matrix [--json]] [--time-scale N] [--postgres <server url>]";
let args: { scenario?: string; list?: boolean; matrix?: boolean; json?: boolean; "time-scale"?: string; postgres?: string };
try {
  args = parseArgs({ options: { scenario: { type: "string" }, list: { type: "boolean" }, matrix: { type: "boolean" }, json: { type: "boolean" }, "time-scale": { type: "string" }, postgres: { type: "string" } } }).values;
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}

const timeScale = Number(args["time-scale"] ?? process.env.SIMULATION_TIME_SCALE ?? 60);
if (!Number.isFinite(timeScale) || timeScale < 1 || timeScale > 100_000) {
  console.error(`--time-scale must be a number from 1 to 100000, not ${args["time-scale"] ?? process.env.SIMULATION_TIME_SCALE}\n${usage}`);
  process.exit(2);
}
const redisUrl = process.env.REDIS_URL || undefined;
const postgresServerUrl = args.postgres;
if (postgresServerUrl !== undefined && !/^postgres(ql)?:\/\//.test(postgresServerUrl)) {
  console.error(`--postgres must be a postgres:// URL of a server the demo may create databases on\n${usage}`);
  process.exit(2);
}

function list(): void {
  console.log("row  id                            failure type                                   injected at");
  for (const s of FAILURE_SCENARIOS) console.log(`${String(s.row).padStart(3)}  ${s.id.padEnd(30)}${s.title.padEnd(47)}${s.injectedAt}`);
  console.log(`\nRun one with: npm run demo -- --scenario <id or row>; all with: npm run demo -- --matrix`);
}

async function runOne(scenario: FailureScenario, options: { verbose: boolean }): Promise<ScenarioReport> {
  const sandbox = await openDemoSandbox({ redisUrl, postgresServerUrl, timeScale });
  try {
    const say = (text: string) => options.verbose && console.log(`  ${new Date().toISOString().slice(11, 23)}  ${text}`);
    if (options.verbose) console.log(`\n▶ row ${scenario.row}: ${scenario.title} at ${scenario.injectedAt}\n  expected: ${scenario.expected}\n  store: ${sandbox.describe.store}, locks: ${sandbox.describe.locks}, time scale ${timeScale}×\n`);
    const report = await runScenario(sandbox.env, scenario, { log: say, progress: (event) => say(describeProgress(event)) });
    if (options.verbose) {
      if (report.incident) await printTimeline(sandbox, report.incident.id);
      console.log(`\n${verdictOf(report)}  ${report.actual}\n      (the run: ${runLength(report.durationMs)})`);
    }
    return report;
  } finally {
    await sandbox.close();
  }
}

/** A run's wall-clock length, restated on the simulated basis when the time scale is not 1. */
function runLength(wallMs: number): string {
  return timeScale === 1 ? `${formatSpan(wallMs)}` : `${formatSpan(wallMs)} of wall time, ${formatSpan(wallMs * timeScale)} of simulated time at ${timeScale}×`;
}

/** Minutes:seconds of simulated time since detection ("  3:00"), from a wall-clock offset. */
function simulatedClock(wallMs: number): string {
  const total = Math.round((wallMs * timeScale) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return (h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`).padStart(7);
}

/** The incident's stages as the store recorded them: the MTTR timeline, measured, on the simulated basis (docs/demo.md#time-in-the-demo). */
async function printTimeline(sandbox: Awaited<ReturnType<typeof openDemoSandbox>>, incidentId: string): Promise<void> {
  const detail = await new PostgresIncidentQueries(sandbox.db).getIncident(incidentId, { operationLimit: 20 });
  if (!detail) return;
  const t0 = Date.parse(detail.incident.detectedAt);
  const at = (iso: string) => simulatedClock(Date.parse(iso) - t0);
  console.log(`\nTimeline of ${detail.incident.key} (${detail.incident.title}), from the store, in simulated time since detection (${timeScale === 1 ? "time scale 1: real time" : `the run went ${timeScale}× faster: wall time × ${timeScale}`}):`);
  console.log("    start      end  stage                          outcome");
  for (const s of detail.stages) console.log(`  ${at(s.startedAt)}  ${s.endedAt ? at(s.endedAt) : "     … "}  ${s.stage.padEnd(30)} ${s.outcome ?? ""}`);
  if (detail.incident.resolvedAt) {
    // The manual baseline is the incident setting in force on this store (the default unless set).
    const { manualMttrMinutes } = await getIncidentSettings({ incidentSettings: new PrismaIncidentSettingsStore(sandbox.db) });
    // Interlock's own share: each operation's time in INIT, LOCKED and SAFETY_CHECK, from its stored transitions (not scaled).
    let orchestratorMs = 0;
    for (const op of detail.operations) {
      const record = await sandbox.env.orchestrator.get(op.id);
      if (record) orchestratorMs += decisionMs(record.createdAt, await sandbox.env.orchestrator.listTransitions(op.id));
    }
    const times = demoTimes({ wallMs: Date.parse(detail.incident.resolvedAt) - t0, timeScale, manualMttrMinutes, orchestratorMs, operations: detail.operations.length });
    console.log(`\nMTTR ${times.text.mttr}.`);
    console.log(`Manual baseline: ${formatSpan(times.manualMs)} by hand (the incident setting manualMttrMinutes), real-world time.`);
    console.log(`On the simulated basis, ${times.text.versusManual}.`);
    console.log(`Interlock's own share: ${times.text.orchestrator}, so it is not compared with the simulated figures.`);
    console.log(`Status ${detail.incident.status}.`);
  } else {
    console.log(`\nNot resolved: ${detail.incident.status}${detail.incident.approach ? ` (${detail.incident.approach})` : ""}.`);
  }
}

async function matrix(json: boolean): Promise<boolean> {
  const reports: ScenarioReport[] = [];
  for (const scenario of FAILURE_SCENARIOS) {
    const report = await runOne(scenario, { verbose: false });
    reports.push(report);
    console.log(`${verdictOf(report).padEnd(4)}  ${String(scenario.row).padStart(2)} ${scenario.title.padEnd(46)} ${(report.durationMs / 1000).toFixed(1).padStart(6)} s wall  ${report.actual}`);
  }
  const passed = reports.filter((r) => r.passed).length;
  const unavailable = reports.filter((r) => r.unavailableReason !== null);
  const ran = reports.length - unavailable.length;
  console.log(`\n${passed} of ${ran} scenarios behaved as expected (time scale ${timeScale}×, store ${postgresServerUrl ? "Postgres" : "PGlite"}, locks on ${redisUrl ? "Redis" : "the store"}).`);
  for (const r of unavailable) console.log(`Not run: row ${r.row} (${r.title}) ${r.unavailableReason}.`);
  if (json) {
    console.log(
      JSON.stringify({
        scenarios: reports.length,
        passed,
        failed: ran - passed,
        unavailable: unavailable.length,
        timeScale,
        results: reports.map((r) => ({ id: r.id, row: r.row, title: r.title, injectedAt: r.injectedAt, expected: r.expected, actual: r.actual, passed: r.passed, unavailableReason: r.unavailableReason, durationMs: r.durationMs, mttrMs: r.mttrMs, simulatedMttrMs: r.mttrMs === null ? null : r.mttrMs * timeScale, orchestratorMs: r.orchestratorMs })),
      }),
    );
  }
  return passed === ran;
}

function verdictOf(report: ScenarioReport): string {
  return report.unavailableReason !== null ? "UNAVAILABLE" : report.passed ? "PASS" : "FAIL";
}

async function main(): Promise<number> {
  if (args.list) {
    list();
    return 0;
  }
  if (args.matrix) return (await matrix(Boolean(args.json))) ? 0 : 1;
  const scenario = findScenario(args.scenario ?? DEMO_SCENARIO_ID);
  if (!scenario) {
    console.error(`No scenario ${JSON.stringify(args.scenario)}; npm run demo -- --list shows the 20 rows.`);
    return 2;
  }
  const report = await runOne(scenario, { verbose: true });
  if (args.json) console.log(JSON.stringify(report));
  return report.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
