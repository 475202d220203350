// Operations carried out by their submitter (docs/execution.md), through the
// real orchestrator on Postgres and Redis, and on the embedded PGlite: the lease granted at IN_PROGRESS
// with the SERVICE lock's fencing token, heartbeats, steps and the outcome;
// a submitter that stops heartbeating loses the lease and its locks; reports
// with an old token, from someone else or after the end are refused and
// change nothing; a pause holds the lease, an abort or a rollback ends it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { refusal } from "../refusal";
import { parseGateConfig } from "../../core/gates/gate-config";
import { openTestStore, type TestStore } from "../stores";
import { orchestratorFixture } from "../orchestrator";

type Fixture = Awaited<ReturnType<typeof orchestratorFixture>>;


// Postgres with Redis locks (production), and PGlite with lease rows in the store (the embedded default,
// one connection: a report must never wait on a read outside its own transaction).
describe.each([
  { kind: "postgres", locks: "redis" },
  { kind: "pglite", locks: "store" },
] as const)("external execution ($kind, locks in $locks)", ({ kind, locks }) => {
  let store: TestStore;
  let f: Fixture;

  beforeEach(async () => {
    store = await openTestStore(kind, "external_execution", { poolSize: 8 });
    // COOLDOWN off: these tests run several changes on one service in a row.
    f = await orchestratorFixture({ db: store.db, locks, gates: parseGateConfig({ gates: { COOLDOWN: { enabled: false } } }), config: { queueRecheckMs: 500 } });
    await f.orchestrator.start();
  });
  afterEach(async () => {
    await f?.close();
    await store?.close();
  });

  const submitExternal = (service: string, extra: Record<string, unknown> = {}) =>
    f.orchestrator.submit({ type: "DEPLOYMENT", service, actor: "ci@example.com", actorKind: "AUTOMATION", params: { version: "9.9.9" }, execution: "external", ...extra });

  async function leased(id: string) {
    await f.waitFor(id, (o) => o.state === "IN_PROGRESS");
    for (let i = 0; i < 200; i++) {
      const lease = await f.orchestrator.lease(id);
      if (lease) return lease;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no lease granted to ${id}`);
  }

  const serviceHolders = async (service: string) => (await f.lockStore.snapshot()).locks.filter((l) => l.key.scope === "SERVICE" && l.key.resource === service).flatMap((l) => l.holders);

  it("grants the lease with the SERVICE lock's token; heartbeats, steps and the outcome end the operation with it; later reports are refused", async () => {
    const { operation } = await submitExternal("geo-service", { leaseSeconds: 30 });
    expect(operation.execution).toBe("external");
    expect(operation.leaseSeconds).toBe(30);
    const lease = await leased(operation.id);
    const [holder] = await serviceHolders("geo-service");
    expect(lease.state).toBe("ACTIVE");
    expect(lease.fencingToken).toBe(holder!.fencingToken);
    expect(lease.deadline!.getTime() - lease.grantedAt.getTime()).toBe(30_000);
    const token = lease.fencingToken.toString();

    const beat = await f.orchestrator.heartbeat({ operationId: operation.id, actor: "ci@example.com", fencingToken: token });
    expect(beat.instruction).toBe("CONTINUE");
    expect(beat.lease.heartbeats).toBe(1);
    expect(beat.lease.deadline!.getTime()).toBeGreaterThan(lease.deadline!.getTime() - 1);

    await f.orchestrator.reportStep({ operationId: operation.id, actor: "ci@example.com", fencingToken: token, name: "kubectl apply", outcome: "PASSED", detail: { exitCode: 0 } });
    const done = await f.orchestrator.complete({ operationId: operation.id, actor: "ci@example.com", fencingToken: token, status: "SUCCEEDED", summary: "deploy.sh exited with status 0", detail: { exitCode: 0 } });
    expect(done.alreadyReported).toBe(false);

    const finished = await f.waitFor(operation.id);
    expect(finished.state).toBe("COMPLETED");
    expect(finished.outcome).toMatchObject({ executor: "external", status: "SUCCEEDED", summary: "deploy.sh exited with status 0" });
    expect(await serviceHolders("geo-service")).toEqual([]);
    expect((await f.orchestrator.listSteps(operation.id)).map((s) => `${s.name}:${s.outcome}`)).toEqual(["kubectl apply:PASSED"]);

    // The same outcome again (a retry after a lost answer): answered, not written twice.
    const retry = await f.orchestrator.complete({ operationId: operation.id, actor: "ci@example.com", fencingToken: token, status: "SUCCEEDED", summary: "deploy.sh exited with status 0" });
    expect(retry.alreadyReported).toBe(true);
    // Anything else after the end is refused.
    expect((await refusal(f.orchestrator.heartbeat({ operationId: operation.id, actor: "ci@example.com", fencingToken: token }))).code).toBe("LEASE_ENDED");
    expect((await refusal(f.orchestrator.complete({ operationId: operation.id, actor: "ci@example.com", fencingToken: token, status: "FAILED", summary: "late" }))).code).toBe("LEASE_ENDED");

    await f.orchestrator.settleAudit();
    const actions = (await f.auditOf(operation.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["execution.lease_granted", "execution.step_reported", "execution.reported", "deployment.succeeded"]));
    expect(actions.filter((a) => a === "execution.reported")).toHaveLength(1);
  });

  it("refuses a stale token, another caller and an internal operation, and changes nothing", async () => {
    const { operation } = await submitExternal("tax-service");
    const lease = await leased(operation.id);
    const stale = (lease.fencingToken - 1n).toString();
    const e1 = await refusal(f.orchestrator.heartbeat({ operationId: operation.id, actor: "ci@example.com", fencingToken: stale }));
    expect(e1.code).toBe("STALE_FENCING_TOKEN");
    const e2 = await refusal(f.orchestrator.complete({ operationId: operation.id, actor: "mallory@example.com", fencingToken: lease.fencingToken.toString(), status: "SUCCEEDED", summary: "not mine" }));
    expect(e2.code).toBe("FORBIDDEN");
    const e3 = await refusal(f.orchestrator.reportStep({ operationId: operation.id, actor: "ci@example.com", fencingToken: "12abc", name: "x", outcome: "INFO" }));
    expect(e3.code).toBe("VALIDATION_FAILED");
    const after = await f.orchestrator.lease(operation.id);
    expect(after).toMatchObject({ state: "ACTIVE", heartbeats: 0, outcome: null });
    expect(await f.orchestrator.listSteps(operation.id)).toEqual([]);

    const internal = await f.orchestrator.submit({ type: "VERIFICATION", service: "geo-service", actor: "ci@example.com", params: { check: "smoke" } });
    expect((await refusal(f.orchestrator.heartbeat({ operationId: internal.operation.id, actor: "ci@example.com", fencingToken: "1" }))).code).toBe("CONFLICT");
    expect((await refusal(f.orchestrator.heartbeat({ operationId: crypto.randomUUID(), actor: "ci@example.com", fencingToken: "1" }))).code).toBe("NOT_FOUND");
    expect((await refusal(f.orchestrator.submit({ type: "DEPLOYMENT", service: "geo-service", actor: "ci@example.com", leaseSeconds: 30 }))).code).toBe("VALIDATION_FAILED");
    await f.orchestrator.complete({ operationId: operation.id, actor: "ci@example.com", fencingToken: lease.fencingToken.toString(), status: "FAILED", summary: "gave up" });
    expect((await f.waitFor(operation.id)).state).toBe("FAILED");
  });

  it("a submitter that stops heartbeating loses the lease: the operation fails saying so, its lock is free, a late heartbeat is refused", async () => {
    const { operation } = await submitExternal("email-service", { leaseSeconds: 10 });
    const lease = await leased(operation.id);
    const failed = await f.waitFor(operation.id, undefined, 20_000);
    expect(failed.state).toBe("FAILED");
    expect(failed.reason).toMatch(/stopped heartbeating/);
    expect(failed.reason).toContain("10 s lease ran out");
    expect(await serviceHolders("email-service")).toEqual([]);
    const late = await refusal(f.orchestrator.heartbeat({ operationId: operation.id, actor: "ci@example.com", fencingToken: lease.fencingToken.toString() }));
    expect(late.code).toBe("LEASE_ENDED");
    expect(late.details).toMatchObject({ leaseState: "EXPIRED" });
    await f.orchestrator.settleAudit();
    expect((await f.auditOf(operation.id)).filter((e) => e.action === "execution.lease_expired")).toHaveLength(1);

    // The service is free for the next change at once.
    const next = await submitExternal("email-service", { params: { version: "10.0.0" } });
    expect((await leased(next.operation.id)).fencingToken).toBeGreaterThan(lease.fencingToken);
    await f.orchestrator.complete({ operationId: next.operation.id, actor: "ci@example.com", fencingToken: (await f.orchestrator.lease(next.operation.id))!.fencingToken.toString(), status: "SUCCEEDED", summary: "ok" });
    expect((await f.waitFor(next.operation.id)).state).toBe("COMPLETED");
  });

  it("a pause holds the lease (HOLD) and an approval lets it go on (CONTINUE) with the same token; an abort ends it", async () => {
    const { operation } = await submitExternal("cart-service", { leaseSeconds: 30 });
    const lease = await leased(operation.id);
    const token = lease.fencingToken.toString();
    const report = { operationId: operation.id, actor: "ci@example.com", fencingToken: token };

    await f.orchestrator.pause({ operationId: operation.id, actor: "approver@example.com", reason: "checking the error rate" });
    await f.waitFor(operation.id, (o) => o.state === "PAUSED_FOR_HUMAN_REVIEW");
    const held = await f.orchestrator.heartbeat(report);
    expect(held.instruction).toBe("HOLD");
    expect(held.reason).toContain("checking the error rate");

    await f.orchestrator.resume({ operationId: operation.id, actor: "approver@example.com", reason: "error rate is fine" });
    await f.waitFor(operation.id, (o) => o.state === "IN_PROGRESS");
    for (let i = 0; i < 200 && (await f.orchestrator.lease(operation.id))!.state !== "ACTIVE"; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await f.orchestrator.heartbeat(report)).instruction).toBe("CONTINUE");

    await f.orchestrator.abort({ operationId: operation.id, actor: "approver@example.com", reason: "wrong build" });
    const aborted = await f.waitFor(operation.id);
    expect(aborted.state).toBe("FAILED");
    const ended = await refusal(f.orchestrator.heartbeat(report));
    expect(ended.code).toBe("LEASE_ENDED");
    expect(ended.message).toContain("wrong build");
    expect(await serviceHolders("cart-service")).toEqual([]);
  });

  it("a ROLLBACK preempts an external change: its lease ends and its submitter is told to stop", async () => {
    const { operation } = await submitExternal("inventory-service", { leaseSeconds: 30 });
    const lease = await leased(operation.id);
    const rollback = await f.orchestrator.submit({ type: "ROLLBACK", service: "inventory-service", actor: "oncall@example.com", params: {} });
    const preempted = await f.waitFor(operation.id);
    expect(preempted.result).toBe("SUPERSEDED");
    const ended = await refusal(f.orchestrator.heartbeat({ operationId: operation.id, actor: "ci@example.com", fencingToken: lease.fencingToken.toString() }));
    expect(ended.code).toBe("LEASE_ENDED");
    expect(ended.message).toContain(rollback.operation.id);
    await f.waitFor(rollback.operation.id);
  });
});
