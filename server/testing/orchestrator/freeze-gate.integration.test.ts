// The FREEZE gate in the orchestrator (docs/freezes.md#the-freeze-gate), on
// Postgres and Redis: a freeze that begins while an operation takes its
// locks is found again at the gates — a queuing one lets go of the locks and
// the operation waits in SAFETY_CHECK until the window ends, then completes;
// a blocking one fails it BLOCKED_BY_GATE; a pausing one pauses it for review
// with the FREEZE result among its causes.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FreezeAction, FreezeWindow } from "../../core/freezes/types";
import { openTestStore, type TestStore } from "../stores";
import { orchestratorFixture } from "../orchestrator";

type Fixture = Awaited<ReturnType<typeof orchestratorFixture>>;

/** A UTC window in force now (it began at least a minute ago) that ends `endsInMs` from now. */
function windowEnding(action: FreezeAction, endsInMs: number): FreezeWindow {
  const minutes = Math.ceil(endsInMs / 60_000) + 1;
  const iso = new Date(Date.now() + endsInMs - minutes * 60_000).toISOString();
  return {
    id: crypto.randomUUID(),
    name: `Freeze ${action}`,
    kind: "DENY",
    action,
    scope: { services: ["email-service"], teams: [], tiers: [], types: [] },
    timeZone: "UTC",
    start: `${iso.slice(0, 10)}T${iso.slice(11, 19)}`,
    durationMinutes: minutes,
    rrule: null,
    includesRollbacks: false,
    breakGlassRole: "APPROVER",
    reason: "began while it locked",
    enabled: true,
    createdBy: "admin@example.com",
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

describe("the FREEZE gate at SAFETY_CHECK", () => {
  let store: TestStore;
  let f: Fixture;
  let windows: FreezeWindow[] = [];
  let looks = 0;
  // The first look (before the line and the locks) finds nothing; every later one finds `windows`: the freeze began while it locked.
  const source = {
    windows: { list: async () => (looks++ === 0 ? [] : windows), serviceFacts: async () => new Map([["email-service", { team: "comms", tier: 3 }]]) },
    halts: { haltsInForce: async () => [] },
  };

  beforeEach(async () => {
    looks = 0;
    store = await openTestStore("postgres", "freeze_gate", { poolSize: 8 });
    f = await orchestratorFixture({ db: store.db, config: { timeScale: 10_000 }, freezes: source });
    await f.orchestrator.start();
  });
  afterEach(async () => {
    await f?.close();
    await store?.close();
  });

  it("QUEUE: lets go of the locks, waits in SAFETY_CHECK saying until when, and completes once the window ends", async () => {
    windows = [windowEnding("QUEUE", 3_000)];
    const { operation } = await f.orchestrator.submit({ actor: "alice@example.com", type: "DEPLOYMENT", service: "email-service", params: { version: "5" } });
    const frozen = await f.waitFor(operation.id, (op) => (op.reason ?? "").startsWith("Frozen by window"));
    expect(frozen.state).toBe("SAFETY_CHECK");
    expect(frozen.reason).toMatch(/^Frozen by window 'Freeze QUEUE' \(UTC\) until .*Z: began while it locked$/);
    const { locks } = await f.lockStore.snapshot();
    expect(locks.flatMap((l) => l.holders.map((h) => h.holderId)).filter((h) => h.startsWith(`op:${operation.id}`))).toEqual([]);
    const done = await f.waitFor(operation.id, (op) => ["COMPLETED", "FAILED", "ROLLED_BACK"].includes(op.state));
    expect(done.result).toBe("SUCCESS");
    const path = (await f.store.listTransitions(operation.id)).map((t) => t.to);
    expect(path).toEqual(["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "COMPLETED"]);
  }, 60_000);

  it("BLOCK: fails it BLOCKED_BY_GATE with the FREEZE result", async () => {
    windows = [windowEnding("BLOCK", 3_600_000)];
    const { operation } = await f.orchestrator.submit({ actor: "alice@example.com", type: "DEPLOYMENT", service: "email-service", params: { version: "6" } });
    const done = await f.waitFor(operation.id, (op) => ["COMPLETED", "FAILED", "ROLLED_BACK"].includes(op.state));
    expect(done).toMatchObject({ state: "FAILED", result: "BLOCKED_BY_GATE" });
    expect(done.reason).toContain("Frozen by window 'Freeze BLOCK'");
    expect((await f.store.listTransitions(operation.id)).map((t) => t.to)).toEqual(["INIT", "LOCKED", "SAFETY_CHECK", "FAILED"]);
  }, 60_000);

  it("PAUSE: pauses it for review with the freeze among the causes", async () => {
    windows = [windowEnding("PAUSE", 3_600_000)];
    const { operation } = await f.orchestrator.submit({ actor: "alice@example.com", type: "DEPLOYMENT", service: "email-service", params: { version: "7" } });
    const paused = await f.waitFor(operation.id, (op) => op.state === "PAUSED_FOR_HUMAN_REVIEW" || op.finishedAt !== null);
    expect(paused.state).toBe("PAUSED_FOR_HUMAN_REVIEW");
    const review = await f.store.pendingReview(operation.id);
    expect(review!.reason).toContain("Frozen by window 'Freeze PAUSE'");
    expect(JSON.stringify(review!.evidence.gates)).toContain('"gate":"FREEZE"');
  }, 60_000);
});
