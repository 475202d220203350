// N of M approvals against Postgres (docs/approvals.md#counting): approvals
// from separate processes count exactly, exactly one of them completes the
// quorum, and the operation runs once. Also the refusals an approver gets
// (403 not eligible, 409 already approved) and the requester's exclusion.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PostgresApprovalStore } from "../../adapters/postgres/approval-store";
import { PostgresIdentityStore } from "../../adapters/postgres/identity-store";
import { isAppError } from "../../core/errors";
import type { ExecutionContext, OperationExecutor } from "../../core/executors/ports";
import type { Role } from "../../core/identity/roles";
import { orchestratorFixture } from "../orchestrator";
import { openTestStore, type TestStore } from "../stores";

type Fixture = Awaited<ReturnType<typeof orchestratorFixture>>;
const ROOT = path.resolve(import.meta.dirname, "../../..");
const WORKER = path.join(ROOT, "server/testing/orchestrator/approve-worker.ts");
const SERVICE = "payment-service";
const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

function countingExecutor() {
  const runs: string[] = [];
  const executor: OperationExecutor = {
    name: "counting",
    async execute(ctx: ExecutionContext) {
      runs.push(ctx.operation.id);
      ctx.assertFenced();
      return { status: "SUCCEEDED", summary: "done", detail: {} };
    },
  };
  return { executor, runs };
}

interface WorkerResult {
  ok: boolean;
  met?: boolean;
  summary?: string;
  code?: string;
  message?: string;
}

/** One approver's process: ready once built, approves on "go". */
function startApprover(databaseUrl: string, operationId: string, actor: string): { child: ChildProcess; ready: Promise<void>; result: Promise<WorkerResult> } {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", WORKER], {
    cwd: ROOT,
    env: { ...process.env, APPROVE_WORKER_CONFIG: JSON.stringify({ databaseUrl, operationId, actor }) },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let onReady: () => void;
  let onResult: (r: WorkerResult) => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const result = new Promise<WorkerResult>((resolve, reject) => {
    onResult = resolve;
    child.on("exit", (code) => reject(new Error(`approver ${actor} exited with ${code} before answering`)));
  });
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    const message = JSON.parse(line) as { type: string } & WorkerResult;
    if (message.type === "ready") onReady();
    if (message.type === "result") onResult(message);
  });
  return { child, ready, result };
}

describe("N of M approvals (Postgres)", () => {
  let store: TestStore;
  let f: Fixture;
  let approvals: PostgresApprovalStore;
  let identities: PostgresIdentityStore;
  const counting = countingExecutor();

  async function user(email: string, role: Role, teams: string[]) {
    const u = await identities.saveUser({ email, name: email, role, passwordHash: null }, "insert");
    await store.db.query(`UPDATE users SET teams = $2::text[] WHERE id = $1::uuid`, [u.id, teams]);
    return u;
  }

  async function policy(name: string, requiredApprovals: number, fromTeams: string[]) {
    return approvals.transact((tx) =>
      approvals.insertPolicy(tx, { id: crypto.randomUUID(), name, scope: { services: [SERVICE], teams: [], tiers: [], types: [] }, requiredApprovals, fromRoles: ["APPROVER", "ADMIN"], fromTeams, enabled: true, createdBy: "admin@x.test", now: new Date() }),
    );
  }

  async function pausedOperation(service = SERVICE) {
    const { operation } = await f.orchestrator.submit({ type: "DEPLOYMENT", service, actor: "requester@x.test", params: { version: `${Date.now()}`, reviewRequired: "needs two people" } });
    await f.waitFor(operation.id, (op) => op.state === "PAUSED_FOR_HUMAN_REVIEW");
    return operation.id;
  }

  beforeEach(async () => {
    store = await openTestStore("postgres", "approval_quorum", { poolSize: 8 });
    approvals = new PostgresApprovalStore(store.db);
    identities = new PostgresIdentityStore(store.db);
    f = await orchestratorFixture({ db: store.db, locks: "store", config: { timeScale: 10_000 }, executors: { DEPLOYMENT: counting.executor } });
    const [{ team }] = (await store.db.query<{ team: string }>(`SELECT team FROM services WHERE name = $1`, [SERVICE])) as [{ team: string }];
    await user("requester@x.test", "APPROVER", [team]);
    for (const who of ["a1", "a2", "a3"]) await user(`${who}@x.test`, "APPROVER", [team]);
    await user("outsider@x.test", "APPROVER", ["someone-else"]);
    await f.orchestrator.start();
  });
  afterEach(async () => {
    await f?.close();
    await store?.close();
  });

  it("2 of 3 from the owning team, three approvers in three processes at once: exactly two count, one completes it, it runs once", async () => {
    await policy("payments-two", 2, ["owning"]);
    const id = await pausedOperation();
    const approvers = ["a1@x.test", "a2@x.test", "a3@x.test"].map((actor) => startApprover(store.url!, id, actor));
    try {
      await Promise.all(approvers.map((a) => a.ready));
      for (const a of approvers) a.child.stdin!.write("go\n");
      const results = await Promise.all(approvers.map((a) => a.result));
      const ok = results.filter((r) => r.ok);
      expect(ok).toHaveLength(2);
      expect(ok.filter((r) => r.met)).toHaveLength(1);
      expect(ok.map((r) => r.summary).sort()).toEqual(["1 of 2 approvals", "2 of 2 approvals"]);
      const refused = results.find((r) => !r.ok)!;
      expect(["CONFLICT", "VERSION_CONFLICT"]).toContain(refused.code);
      expect(refused.message).toMatch(/approved/);
    } finally {
      for (const a of approvers) a.child.kill();
    }
    const done = await f.waitFor(id);
    expect(done.state).toBe("COMPLETED");
    expect(counting.runs.filter((r) => r === id)).toEqual([id]);
    expect((await f.store.listTransitions(id)).filter((t) => t.to === "IN_PROGRESS")).toHaveLength(1);
    const [{ n }] = (await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM review_approvals r JOIN reviews v ON v.id = r.review_id WHERE v.operation_id = $1::uuid`, [id])) as [{ n: number }];
    expect(n).toBe(2);
    const events = await f.auditOf(id);
    expect(events.filter((e) => e.action === "review.approval_recorded")).toHaveLength(1);
    expect(events.filter((e) => e.action === "review.approved")).toHaveLength(1);
  }, 60_000);

  it("refuses the requester (403), an approver outside the team (403 naming what is needed), and a second approval by the same person (409)", async () => {
    await policy("payments-two", 2, ["owning"]);
    const id = await pausedOperation();
    const decide = (actor: string) => f.orchestrator.decide({ operationId: id, decision: "APPROVE", actor, role: "APPROVER" });
    const own = await errorOf(decide("requester@x.test"));
    expect(isAppError(own) && own.code).toBe("FORBIDDEN");
    const outsider = await errorOf(decide("outsider@x.test"));
    expect(isAppError(outsider) && outsider.code).toBe("FORBIDDEN");
    expect((outsider as Error).message).toContain("policy payments-two needs 2 more approvals from team");
    const first = await decide("a1@x.test");
    expect(first.quorum).toMatchObject({ met: false, summary: "1 of 2 approvals" });
    expect(first.operation.state).toBe("PAUSED_FOR_HUMAN_REVIEW");
    const again = await errorOf(decide("a1@x.test"));
    expect(isAppError(again) && again.code).toBe("CONFLICT");
    expect((again as Error).message).toBe("a1@x.test already approved; 1 of 2 approvals");
    const second = await decide("a2@x.test");
    expect(second.quorum).toMatchObject({ met: true, summary: "2 of 2 approvals", approvals: [{ by: "a1@x.test" }, { by: "a2@x.test" }] });
    expect((await f.waitFor(id)).state).toBe("COMPLETED");
  }, 60_000);

  it("with no policy, one approver is enough (as before policies); a rejection by anyone ends it", async () => {
    await policy("payments-two", 2, ["owning"]);
    const id = await pausedOperation("search-service");
    const decision = await f.orchestrator.decide({ operationId: id, decision: "APPROVE", actor: "outsider@x.test", role: "APPROVER" });
    expect(decision.quorum).toMatchObject({ met: true, summary: "1 of 1 approval" });
    expect((await f.waitFor(id)).state).toBe("COMPLETED");
    const other = await pausedOperation();
    await f.orchestrator.decide({ operationId: other, decision: "APPROVE", actor: "a1@x.test", role: "APPROVER" });
    await f.orchestrator.decide({ operationId: other, decision: "REJECT", actor: "a2@x.test", role: "APPROVER", notes: "not today" });
    expect((await f.waitFor(other)).state).toBe("FAILED");
  }, 60_000);
});
