// `npm run demo`                          seed 001's demo: payment-service NullPointerException, healed end to end
// `npm run demo -- --scenario <id|row>`   one row of the failure injection matrix
// `npm run demo -- --list`                the 20 rows
// `npm run demo -- --matrix [--json]`     all 20; with --json the very last line is one JSON object
//     [--time-scale N]                    simulated waits run N times faster (default SIMULATION_TIME_SCALE, 60)
//
// Each run gets a throwaway estate: a fresh embedded PGlite store in a
// temporary directory (never DATABASE_URL: the scenarios inject faults), the
// demo topology, locks on REDIS_URL when it is set (else in the store), and
// the real orchestrator. So a row's verdict depends on its own injection only.
// Exits 0 when every run passed, 1 when one did not, 2 on bad usage.
import { parseArgs } from "node:util";
import { openDemoSandbox } from "../server/adapters/demo/demo-sandbox";
import { PostgresIncidentQueries } from "../server/adapters/prisma/incident-queries";
import { describeProgress } from "../server/core/demo/describe-progress";
import { FAILURE_SCENARIOS, findScenario, type FailureScenario } from "../server/core/demo/failure-matrix";
import { DEMO_SCENARIO_ID } from "../server/core/demo/demo-runner";
import { runScenario, type ScenarioReport } from "../server/core/demo/run-scenario";
import { MANUAL_MTTR_MS } from "../server/core/demo/run-self-healing";

const usage = "usage: npm run demo [-- --scenario <id|row> | --list | --matrix [--json]] [--time-scale N]";
let args: { scenario?: string; list?: boolean; matrix?: boolean; json?: boolean; "time-scale"?: string };
try {
  args = parseArgs({ options: { scenario: { type: "string" }, list: { type: "boolean" }, matrix: { type: "boolean" }, json: { type: "boolean" }, "time-scale": { type: "string" } } }).values;
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

function list(): void {
  console.log("row  id                            failure type                                   injected at");
  for (const s of FAILURE_SCENARIOS) console.log(`${String(s.row).padStart(3)}  ${s.id.padEnd(30)}${s.title.padEnd(47)}${s.injectedAt}`);
  console.log(`\nRun one with: npm run demo -- --scenario <id or row>; all with: npm run demo -- --matrix`);
}

async function runOne(scenario: FailureScenario, options: { verbose: boolean }): Promise<ScenarioReport> {
  const sandbox = await openDemoSandbox({ redisUrl, timeScale });
  try {
    const say = (text: string) => options.verbose && console.log(`  ${new Date().toISOString().slice(11, 23)}  ${text}`);
    if (options.verbose) console.log(`\n▶ row ${scenario.row}: ${scenario.title} at ${scenario.injectedAt}\n  expected: ${scenario.expected}\n  store: ${sandbox.describe.store}, locks: ${sandbox.describe.locks}, time scale ${timeScale}×\n`);
    const report = await runScenario(sandbox.env, scenario, { log: say, progress: (event) => say(describeProgress(event)) });
    if (options.verbose) {
      if (report.incident) await printTimeline(sandbox, report.incident.id);
      console.log(`\n${report.passed ? "PASS" : "FAIL"}  ${report.actual}\n      (${(report.durationMs / 1000).toFixed(1)} s)`);
    }
    return report;
  } finally {
    await sandbox.close();
  }
}

/** The incident's stages as the store recorded them: the MTTR timeline, measured. */
async function printTimeline(sandbox: Awaited<ReturnType<typeof openDemoSandbox>>, incidentId: string): Promise<void> {
  const detail = await new PostgresIncidentQueries(sandbox.db).getIncident(incidentId, { operationLimit: 20 });
  if (!detail) return;
  const t0 = Date.parse(detail.incident.detectedAt);
  const at = (iso: string) => `${((Date.parse(iso) - t0) / 1000).toFixed(1).padStart(6)} s`;
  console.log(`\nTimeline of ${detail.incident.key} (${detail.incident.title}), from the store:`);
  console.log("    start     end  stage                          outcome");
  for (const s of detail.stages) console.log(`  ${at(s.startedAt)} ${s.endedAt ? at(s.endedAt) : "   …    "}  ${s.stage.padEnd(30)} ${s.outcome ?? ""}`);
  if (detail.incident.resolvedAt) {
    const mttr = Date.parse(detail.incident.resolvedAt) - t0;
    console.log(`\nMTTR ${(mttr / 1000).toFixed(1)} s automated vs ${MANUAL_MTTR_MS / 60_000} min manual (seed 001): ${Math.round(MANUAL_MTTR_MS / mttr)}× faster. Status ${detail.incident.status}.`);
  } else {
    console.log(`\nNot resolved: ${detail.incident.status}${detail.incident.approach ? ` (${detail.incident.approach})` : ""}.`);
  }
}

async function matrix(json: boolean): Promise<boolean> {
  const reports: ScenarioReport[] = [];
  for (const scenario of FAILURE_SCENARIOS) {
    const report = await runOne(scenario, { verbose: false });
    reports.push(report);
    console.log(`${report.passed ? "PASS" : "FAIL"}  ${String(scenario.row).padStart(2)} ${scenario.title.padEnd(46)} ${(report.durationMs / 1000).toFixed(1).padStart(6)} s  ${report.actual}`);
  }
  const passed = reports.filter((r) => r.passed).length;
  console.log(`\n${passed} of ${reports.length} scenarios behaved as expected (time scale ${timeScale}×, locks on ${redisUrl ? "Redis" : "the store"}).`);
  if (json) {
    console.log(
      JSON.stringify({
        scenarios: reports.length,
        passed,
        failed: reports.length - passed,
        timeScale,
        results: reports.map((r) => ({ id: r.id, row: r.row, title: r.title, injectedAt: r.injectedAt, expected: r.expected, actual: r.actual, passed: r.passed, durationMs: r.durationMs, mttrMs: r.mttrMs })),
      }),
    );
  }
  return passed === reports.length;
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
