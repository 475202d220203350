import { describe, expect, it } from "vitest";
import { placeInLine, type LineMember } from "./service-line";
import type { ConflictRule } from "./policy";

const QUEUE: ConflictRule = { enabled: true, severity: "CRITICAL", action: "QUEUE" };
let n = 0;
const m = (over: Partial<LineMember> = {}): LineMember => ({ id: `op-${++n}`, type: "DEPLOYMENT", state: "INIT", actor: "alice", priority: 2, seq: BigInt(n), started: false, ...over });

describe("placeInLine (docs/lifecycle.md: one change at a time per service)", () => {
  it("waits behind what is running and what arrived earlier, in (priority, arrival) order", () => {
    const running = m({ state: "IN_PROGRESS", started: true });
    const earlier = m({ queued: true });
    const me = m();
    const place = placeInLine(me, [earlier, running], QUEUE);
    expect(place.verdict).toBe("WAIT");
    expect(place.ahead.map((o) => o.id)).toEqual([running.id, earlier.id]);
    expect(place.position).toBe(3);
  });

  it("a more urgent newcomer goes ahead of work waiting in line, not of work on its way to the service", () => {
    const waiting = m({ queued: true });
    const heading = m(); // arrived earlier, not waiting: it may be taking the lock now
    const holding = m({ state: "SAFETY_CHECK" });
    const urgent = m({ type: "REMEDIATION", priority: 1 });
    const place = placeInLine(urgent, [waiting, heading, holding], QUEUE);
    expect(place.ahead.map((o) => o.id).sort()).toEqual([heading.id, holding.id].sort());
  });

  it("an operation paused before it started holds no place; one paused part-way does", () => {
    const pausedEarly = m({ state: "PAUSED_FOR_HUMAN_REVIEW" });
    expect(placeInLine(m(), [pausedEarly], QUEUE).verdict).toBe("GO");
    const pausedMidway = m({ state: "PAUSED_FOR_HUMAN_REVIEW", started: true });
    expect(placeInLine(m(), [pausedMidway], QUEUE)).toMatchObject({ verdict: "WAIT", position: 2 });
  });

  it("a ROLLBACK preempts a running change, sends back a lock holder that has not started, goes ahead of the rest and waits only for an earlier rollback", () => {
    const running = m({ state: "IN_PROGRESS", started: true });
    const holding = m({ state: "LOCKED" });
    const queued = m({ queued: true });
    const earlierRollback = m({ type: "ROLLBACK", priority: 0 });
    const rollback = m({ type: "ROLLBACK", priority: 0 });
    const alone = placeInLine(rollback, [running, holding, queued], QUEUE);
    expect(alone).toMatchObject({ verdict: "GO", position: 1 });
    expect(alone.preempt.map((o) => o.id)).toEqual([running.id]);
    expect(alone.sendBack.map((o) => o.id)).toEqual([holding.id]);
    expect(placeInLine(rollback, [running, earlierRollback], QUEUE)).toMatchObject({ verdict: "WAIT", position: 2 });
  });

  it("a CRITICAL operation of another type goes first too; a rollback does not preempt a running rollback", () => {
    const running = m({ state: "IN_PROGRESS", started: true });
    expect(placeInLine(m({ type: "REMEDIATION", priority: 0 }), [running], QUEUE).preempt).toHaveLength(1);
    const runningRollback = m({ type: "ROLLBACK", priority: 0, state: "IN_PROGRESS", started: true });
    expect(placeInLine(m({ type: "ROLLBACK", priority: 0 }), [runningRollback], QUEUE)).toMatchObject({ verdict: "WAIT", preempt: [] });
  });

  it("SUPERSEDE replaces older deployments that have not started and still waits for a running one", () => {
    const running = m({ state: "IN_PROGRESS", started: true });
    const older = m({ queued: true });
    const olderPaused = m({ state: "PAUSED_FOR_HUMAN_REVIEW" });
    const notADeploy = m({ type: "CONFIG_CHANGE", queued: true });
    const place = placeInLine(m(), [running, older, olderPaused, notADeploy], { ...QUEUE, action: "SUPERSEDE" });
    expect(place.supersede.map((o) => o.id)).toEqual([older.id, olderPaused.id]);
    expect(place.ahead.map((o) => o.id)).toEqual([running.id, notADeploy.id]);
    expect(place.verdict).toBe("WAIT");
  });

  it("two verifications never wait for each other; BLOCK refuses; a disabled rule or another action imposes nothing", () => {
    const verifying = m({ type: "VERIFICATION", state: "IN_PROGRESS", started: true });
    expect(placeInLine(m({ type: "VERIFICATION" }), [verifying], QUEUE).verdict).toBe("GO");
    const running = m({ state: "IN_PROGRESS", started: true });
    expect(placeInLine(m(), [running], { ...QUEUE, action: "BLOCK" }).verdict).toBe("BLOCK");
    expect(placeInLine(m(), [running], { ...QUEUE, enabled: false }).verdict).toBe("GO");
    expect(placeInLine(m(), [running], { ...QUEUE, action: "WARN" }).verdict).toBe("GO");
  });
});
