// Runbook commands through the real orchestrator on Postgres and Redis
// (docs/runbooks.md): a parameter that fails the runbook's schema is refused at
// submission, before anything is stored; a runbook runs with the SERVICE lock's
// fencing token and ends the operation with its exit status; a person's pause
// stops the command, and a resume runs the interrupted step again.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseRunbooksText, RunbookExecutor } from "../../adapters/executors/runbook-executor";
import { isAppError } from "../../core/errors";
import { parseGateConfig } from "../../core/gates/gate-config";
import { openTestStore, type TestStore } from "../stores";
import { orchestratorFixture } from "../orchestrator";

describe("runbook operations (Postgres + Redis)", () => {
  let store: TestStore;
  let f: Awaited<ReturnType<typeof orchestratorFixture>>;
  let dir: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-runbook-op-"));
    const runbooks = parseRunbooksText(
      `runbooks:
  - name: scale
    type: REMEDIATION
    params:
      replicas: { type: integer, minimum: 1, maximum: 50, required: true }
    timeoutSeconds: 60
    killGraceSeconds: 1
    steps:
      - name: record
        argv: ["/bin/sh", "-c", 'printf "%s %s %s" "$INTERLOCK_FENCING_TOKEN" "$1" "$2" > "${dir}/ran-$2"', "sh", "{{service}}", "{{params.replicas}}"]
      - name: wait
        argv: ["/bin/sh", "-c", 'test -e "${dir}/go" || sleep 30']
`,
      "test-runbooks.yaml",
    );
    store = await openTestStore("postgres", "runbook_operations", { poolSize: 8 });
    f = await orchestratorFixture({ db: store.db, executors: { REMEDIATION: new RunbookExecutor({ runbooks }) }, gates: parseGateConfig({ gates: { COOLDOWN: { enabled: false } } }) });
    await f.orchestrator.start();
  });
  afterEach(async () => {
    await f?.close();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses parameters that fail the runbook's schema at submission and at planning, storing nothing", async () => {
    const count = async () => (await store.db.query<{ count: string }>("SELECT count(*)::text AS count FROM operations"))[0]!.count;
    const before = await count();
    for (const call of [f.orchestrator.submit.bind(f.orchestrator), f.orchestrator.plan.bind(f.orchestrator)]) {
      const refused = await call({ type: "REMEDIATION", service: "cart-service", actor: "oncall@example.com", params: { replicas: "$(reboot)" } }).then(
        () => null,
        (error: unknown) => (isAppError(error) ? error : null),
      );
      expect(refused?.code).toBe("VALIDATION_FAILED");
      expect(refused?.message).toContain("replicas");
    }
    expect(await count()).toBe(before);
  });

  it("runs with the SERVICE lock's fencing token; a pause stops the command and a resume runs the interrupted step again", async () => {
    const { operation } = await f.orchestrator.submit({ type: "REMEDIATION", service: "cart-service", actor: "oncall@example.com", params: { replicas: 7 } });
    await f.waitFor(operation.id, (o) => o.state === "IN_PROGRESS");
    const ran = path.join(dir, "ran-7");
    for (let i = 0; i < 200 && !fs.existsSync(ran); i++) await new Promise((r) => setTimeout(r, 25));
    const [token, service, replicas] = fs.readFileSync(ran, "utf8").split(" ");
    const holder = (await f.lockStore.snapshot()).locks.find((l) => l.key.resource === "cart-service")!.holders[0]!;
    expect([token, service, replicas]).toEqual([holder.fencingToken.toString(), "cart-service", "7"]);

    await f.orchestrator.pause({ operationId: operation.id, actor: "approver@example.com", reason: "hold the scale-out" });
    const paused = await f.waitFor(operation.id, (o) => o.state === "PAUSED_FOR_HUMAN_REVIEW");
    expect(paused.reason).toContain("hold the scale-out");
    const steps = await f.orchestrator.listSteps(operation.id);
    expect(steps.map((s) => `${s.name}:${s.outcome}`)).toEqual(["runbook scale: record:PASSED", "runbook scale: wait:FAILED"]);

    fs.writeFileSync(path.join(dir, "go"), "");
    await f.orchestrator.resume({ operationId: operation.id, actor: "approver@example.com", reason: "go on" });
    const done = await f.waitFor(operation.id);
    expect(done.state).toBe("COMPLETED");
    expect((await f.orchestrator.listSteps(operation.id)).map((s) => `${s.name}:${s.outcome}`)).toEqual(["runbook scale: record:PASSED", "runbook scale: wait:FAILED", "runbook scale: wait:PASSED"]);
  });
});
