import { describe, expect, it } from "vitest";
import type { OperationPlan } from "./api-client";
import { blockingDetails, describeFinal, describeWaiting, formatClock, formatOperation, formatPlan, Progress } from "./output";
import { detail, lease } from "./testing/fakes";

function sink(tty: boolean) {
  let text = "";
  return { stream: { write: (s: string | Uint8Array) => (text += String(s)), isTTY: tty, columns: 60 }, text: () => text };
}

describe("the progress display", () => {
  it("on a terminal rewrites one status line and prints events above it", () => {
    let now = 0;
    const out = sink(true);
    const p = new Progress(out.stream, { tty: true, now: () => now });
    p.status("INIT  Waiting in line for tax-service: position 2");
    now = 12_000;
    p.status("INIT  Waiting in line for tax-service: position 1");
    p.line("INIT → LOCKED");
    p.done();
    const text = out.text();
    expect(text).toContain("\r\x1b[2K⠋ 0:00  INIT  Waiting in line for tax-service: position 2");
    expect(text).toContain("0:12  INIT  Waiting in line for tax-service: position 1");
    // The event is printed on a cleared line, and the status drawn again below it.
    expect(text).toMatch(/\r\x1b\[2KINIT → LOCKED\n\r\x1b\[2K. 0:12/);
    expect(text.endsWith("\r\x1b[2K")).toBe(true);
  });

  it("cuts the status line to the terminal's width", () => {
    const out = sink(true);
    const p = new Progress(out.stream, { tty: true, now: () => 0 });
    p.status("x".repeat(200));
    p.done();
    const drawn = out.text().split("\r\x1b[2K").filter(Boolean)[0]!;
    expect(drawn.length).toBeLessThanOrEqual(59);
    expect(drawn.endsWith("…")).toBe(true);
  });

  it("elsewhere prints timestamped lines, a status only when it changes", () => {
    const out = sink(false);
    const p = new Progress(out.stream, { tty: false, clock: () => new Date("2026-01-01T10:00:00.000Z") });
    p.status("INIT  waiting");
    p.status("INIT  waiting");
    p.line("INIT → LOCKED");
    p.status("LOCKED  holding its locks");
    p.done();
    expect(out.text()).toBe("2026-01-01T10:00:00.000Z  INIT  waiting\n2026-01-01T10:00:00.000Z  INIT → LOCKED\n2026-01-01T10:00:00.000Z  LOCKED  holding its locks\n");
  });

  it("formats elapsed time as a clock", () => {
    expect(formatClock(7_000)).toBe("0:07");
    expect(formatClock(754_000)).toBe("12:34");
    expect(formatClock(3_723_000)).toBe("1:02:03");
  });
});

describe("what an operation waits for", () => {
  it("gives the server's reason, the review, the lease or a pending control", () => {
    expect(describeWaiting(detail({ state: "INIT", reason: "Waiting in line for payment-service: position 2 behind DEPLOYMENT 1234" }))).toBe("INIT  Waiting in line for payment-service: position 2 behind DEPLOYMENT 1234");
    expect(describeWaiting(detail({ state: "INIT", queuedAt: "2026-01-01T00:00:00.000Z" }))).toBe("INIT  waiting in line for its service");
    expect(describeWaiting(detail({ state: "PAUSED_FOR_HUMAN_REVIEW", reason: "Blast radius 27 % > 20 %" }))).toBe("PAUSED_FOR_HUMAN_REVIEW  waiting for a reviewer: Blast radius 27 % > 20 %");
    expect(describeWaiting(detail({ state: "IN_PROGRESS" }, { lease: lease({ state: "HELD" }) }))).toBe("IN_PROGRESS  lease HELD");
    expect(describeWaiting(detail({ state: "IN_PROGRESS", control: { action: "PAUSE", by: "ada", reason: "checking", at: "2026-01-01T00:00:00.000Z" } }, { lease: lease() }))).toBe("IN_PROGRESS  running  (pause requested by ada: checking)");
  });

  it("says how it ended and, when blocked, by which gate", () => {
    const d = detail(
      { state: "FAILED", result: "BLOCKED_BY_GATE", reason: "Cooldown not satisfied: 12s < 300s", createdAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:01:02.000Z" },
      {
        gateResults: [
          { id: "g1", gate: "COOLDOWN", source: "store", passed: false, skipped: false, observed: 12, threshold: 300, unit: "s", reason: "Cooldown not satisfied: 12s < 300s", checkedAt: "2026-01-01T00:00:01.000Z" },
          { id: "g2", gate: "ERROR_BUDGET", source: "simulated", passed: true, skipped: false, observed: 0.5, threshold: 2, unit: "%", reason: "Error budget within limit", checkedAt: "2026-01-01T00:00:01.000Z" },
        ],
      },
    );
    expect(describeFinal(d.operation)).toBe("FAILED (BLOCKED_BY_GATE) in 1m02s: Cooldown not satisfied: 12s < 300s");
    expect(blockingDetails(d)).toEqual(["  ✗ COOLDOWN: Cooldown not satisfied: 12s < 300s [store]"]);
    expect(describeFinal(detail({ state: "COMPLETED", result: "SUCCESS", finishedAt: "2026-01-01T00:00:42.000Z" }).operation)).toBe("COMPLETED (SUCCESS) in 42s");
  });

  it("shows an operation with its lease and console link", () => {
    const text = formatOperation(detail({ state: "IN_PROGRESS", params: { version: "1.2" }, execution: "external", leaseSeconds: 10 }, { lease: lease({ lastHeartbeatAt: "2026-01-01T00:00:05.000Z" }) }), "http://interlock.test/operations/x");
    expect(text).toContain("MAINTENANCE tax-service");
    expect(text).toContain("state     IN_PROGRESS");
    expect(text).toContain('params    {"version":"1.2"}');
    expect(text).toContain("execution external, lease 10 s");
    expect(text).toContain("lease     ACTIVE, fencing token 9007199254740993, 10 s, last heartbeat 2026-01-01T00:00:05.000Z");
    expect(text).toContain("console   http://interlock.test/operations/x");
  });
});

describe("a plan", () => {
  it("leads with the verdict, then conflicts, gates, blast radius and the queue", () => {
    const plan: OperationPlan = {
      verdict: "QUEUE",
      summary: "Would wait in line for tax-service behind 1 operation.",
      evaluatedAt: "2026-01-01T00:00:00.000Z",
      type: "MAINTENANCE",
      service: "tax-service",
      priority: "NORMAL",
      conflicts: [{ type: "DIRECT", severity: "CRITICAL", action: "QUEUE", explanation: "MAINTENANCE abc is in flight on tax-service.", recommendation: "Wait for it.", conflictingOperationIds: ["abc"], affectedServices: ["tax-service"] }],
      gates: [],
      gatesEvaluated: false,
      blastRadius: { score: 2.2, estimatedImpactPct: 5.2, percentage: 11.9, affectedCount: 5, totalServices: 42, depth: 3, direct: ["tax-service"], sharedResource: [], downstream: [], upstream: ["checkout-service"] },
      locks: [{ scope: "SERVICE", resource: "tax-service", mode: "EXCLUSIVE", holders: [{ holderId: "h1", operationId: "abc", mode: "EXCLUSIVE", expiresAt: "2026-01-01T00:01:00.000Z" }], waiting: 0 }],
      queue: { position: 2, ahead: [{ id: "abc", type: "MAINTENANCE", state: "IN_PROGRESS", actor: "token:ci" }] },
      preempts: [],
      supersedes: [],
      pauseCauses: [],
      blockReasons: [],
      notBefore: null,
      alreadyRunning: null,
    };
    const text = formatPlan(plan);
    expect(text.split("\n")[1]).toBe("verdict  QUEUE: Would wait in line for tax-service behind 1 operation.");
    expect(text).toContain("conflicts (1)\n  DIRECT CRITICAL → QUEUE: MAINTENANCE abc is in flight on tax-service.");
    expect(text).toContain("gates  not evaluated (they run when it starts)");
    expect(text).toContain("blast radius  5.2 % estimated impact; 5 of 42 services within 3 hops (11.9 %)");
    expect(text).toContain("  upstream: checkout-service");
    expect(text).toContain("queue  position 2\n  ahead: MAINTENANCE abc (IN_PROGRESS, by token:ci)");
    expect(text).toContain("SERVICE tax-service EXCLUSIVE: held by abc");
  });
});
