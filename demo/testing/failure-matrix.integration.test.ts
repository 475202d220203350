// The failure injection matrix (docs/spec/failure-matrix.md), every row against the real
// orchestrator on real Postgres and Redis: each row in a fresh database and
// a fresh Redis key space, so its verdict depends on its own injection only.
// The time scale compresses the simulated waits (canary bakes, image build);
// the lock wait and the worker claim are shortened so the lock-timeout and
// crash rows take seconds, not minutes. Nothing here asserts a duration.
import { afterEach, describe, expect, it } from "vitest";
import { FAILURE_SCENARIOS } from "../pipeline/failure-matrix";
import { runScenario } from "../pipeline/run-scenario";
import { openDemoSandbox, type DemoSandbox } from "../adapters/demo-sandbox";
import { createTestDatabase, type TestDatabase } from "../../server/testing/postgres";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

let sandbox: DemoSandbox | null = null;
let database: TestDatabase | null = null;
const backgroundErrors: string[] = [];

async function open(label: string): Promise<DemoSandbox> {
  database = await createTestDatabase(`demo_${label}`);
  sandbox = await openDemoSandbox({
    databaseUrl: database.url,
    redisUrl: REDIS_URL,
    timeScale: 600,
    orchestrator: { lockWaitMs: 3_000, claimLeaseMs: 3_000 },
    onBackgroundError: (error, context) => backgroundErrors.push(`${context}: ${error instanceof Error ? error.message : String(error)}`),
  });
  return sandbox;
}

afterEach(async () => {
  await sandbox?.close();
  await database?.drop();
  sandbox = null;
  database = null;
});

describe("the failure injection matrix, on Postgres and Redis", () => {
  it("has the matrix's 20 rows, each with its own id", () => {
    expect(FAILURE_SCENARIOS.map((s) => s.row)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(FAILURE_SCENARIOS.map((s) => s.id)).size).toBe(20);
  });

  for (const scenario of FAILURE_SCENARIOS) {
    it(`row ${scenario.row}: ${scenario.title} — ${scenario.expected}`, async () => {
      const { env } = await open(scenario.id.replace(/-/g, "_").slice(0, 20));
      const report = await runScenario(env, scenario, { log: () => {} });
      expect(report.actual.length).toBeGreaterThan(10);
      expect(report, report.actual).toMatchObject({ id: scenario.id, passed: true });
      // Whatever the row did, the audit chain still verifies (the tampering row restores its edit).
      const verdict = await env.audit.verify("test");
      expect(verdict.valid, JSON.stringify(verdict)).toBe(true);
      // No lock outlives the row: everything the operations took was released.
      await env.orchestrator.settleAudit();
      const { locks } = await env.lockStore.snapshot();
      expect(locks.filter((l) => l.holders.length > 0 && !l.key.resource.startsWith("audit"))).toEqual([]);
    }, 120_000);
  }
});

describe("the pipeline when the fix fails verification", () => {
  it("rolls back through the orchestrator and escalates the incident", async () => {
    const { env } = await open("verify_fail");
    const { runSelfHealing } = await import("../pipeline/run-self-healing");
    const { PAYMENT_NULL_POINTER } = await import("../pipeline/incident-scripts");
    const outcome = await runSelfHealing(
      { orchestrator: env.orchestrator, recorder: env.recorder, topology: env.topology, sources: env.sources, signals: env.signals, notifier: env.notifier, clock: env.clock, timeScale: env.timeScale, manualMttrMinutes: await env.manualMttrMinutes() },
      // The patched build passes its canary, then fails its health checks on all traffic.
      { ...PAYMENT_NULL_POINTER, afterDeploy: { errorRatePct: 6.2, latencyP99Ms: 420 } },
      { actor: "auto-healing-system" },
    );
    expect(outcome.status).toBe("ESCALATED");
    expect(outcome.mttrMs).toBeNull();
    expect(outcome.operations.map((o) => [o.type, o.state])).toEqual([
      ["REMEDIATION", "COMPLETED"],
      ["VERIFICATION", "FAILED"],
      // The version restored is the one with the original fault: it is back, and still unhealthy.
      ["ROLLBACK", "FAILED"],
    ]);
    expect(outcome.summary).toMatch(/Verification failed .*error rate 6\.2%.*rollback ended FAILED.*still unhealthy/);
    expect(outcome.stages.map((s) => s.stage)).toEqual(expect.arrayContaining(["verification", "rollback", "escalation"]));
    env.signals.reset();
  }, 120_000);
});
