import { describe, expect, it } from "vitest";
import { checkReport, deadlineAfter, expiryOf, type ExecutionLease, type LeasedOperation } from "./lease";

const t0 = new Date("2026-12-07T10:00:00.000Z");
const at = (s: number) => new Date(t0.getTime() + s * 1000);

const op = (over: Partial<LeasedOperation> = {}): LeasedOperation => ({ id: "op-1", actor: "ci@example.com", state: "IN_PROGRESS", reason: null, execution: "external", finishedAt: null, ...over });
const lease = (over: Partial<ExecutionLease> = {}): ExecutionLease => ({
  operationId: "op-1",
  fencingToken: 42n,
  fences: [{ scope: "SERVICE", resource: "geo-service", fencingToken: 42n }],
  state: "ACTIVE",
  leaseSeconds: 60,
  deadline: at(60),
  grantedAt: t0,
  lastHeartbeatAt: null,
  heartbeats: 0,
  holdReason: null,
  endedAt: null,
  endReason: null,
  outcome: null,
  ...over,
});
const beat = { kind: "heartbeat" as const, actor: "ci@example.com", fencingToken: "42" };

describe("the execution lease's rules (docs/execution.md#reports)", () => {
  it("takes a heartbeat with the lease's token before the deadline: CONTINUE, or HOLD while held", () => {
    expect(checkReport(op(), lease(), beat, at(59))).toEqual({ ok: true, instruction: "CONTINUE" });
    expect(checkReport(op({ state: "PAUSED_FOR_HUMAN_REVIEW" }), lease({ state: "HELD", deadline: null }), beat, at(3600))).toEqual({ ok: true, instruction: "HOLD" });
  });

  it("checks in order: internal execution, the caller, a lease at all, the token, the end", () => {
    expect(checkReport(op({ execution: "internal" }), lease(), beat, at(1))).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(checkReport(op(), lease(), { ...beat, actor: "mallory@example.com", fencingToken: "1" }, at(1))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(checkReport(op({ state: "INIT" }), null, beat, at(1))).toMatchObject({ ok: false, code: "CONFLICT", message: expect.stringContaining("not been granted its lease yet") });
    expect(checkReport(op(), lease(), { ...beat, fencingToken: "41" }, at(1))).toMatchObject({ ok: false, code: "STALE_FENCING_TOKEN" });
    expect(checkReport(op(), lease(), { ...beat, fencingToken: "042x" }, at(1))).toMatchObject({ ok: false, code: "STALE_FENCING_TOKEN" });
    expect(checkReport(op(), lease({ state: "REVOKED", endReason: "aborted by approver: wrong build" }), beat, at(1))).toMatchObject({ ok: false, code: "LEASE_ENDED", details: { leaseState: "REVOKED", reason: "aborted by approver: wrong build" } });
  });

  it("ends the lease when the deadline has passed (EXPIRED) or the operation finished otherwise (REVOKED)", () => {
    const expired = checkReport(op(), lease({ lastHeartbeatAt: at(10), deadline: at(70) }), beat, at(70));
    expect(expired).toMatchObject({ ok: false, code: "LEASE_ENDED", end: { state: "EXPIRED" } });
    expect(!expired.ok && expired.end?.reason).toContain("its last heartbeat was at 2026-12-07T10:00:10.000Z");
    const revoked = checkReport(op({ state: "FAILED", finishedAt: at(5), reason: "Superseded by ROLLBACK r-1" }), lease(), beat, at(6));
    expect(revoked).toMatchObject({ ok: false, code: "LEASE_ENDED", end: { state: "REVOKED", reason: "The operation ended FAILED: Superseded by ROLLBACK r-1" } });
  });

  it("answers a retried completion with the same outcome once, and refuses a different one", () => {
    const completed = lease({ state: "COMPLETED", deadline: null, outcome: { status: "SUCCEEDED", summary: "ok", detail: {}, reportedAt: at(5).toISOString() }, endReason: "The submitter reported SUCCEEDED: ok" });
    expect(checkReport(op(), completed, { ...beat, kind: "complete", status: "SUCCEEDED" }, at(6))).toEqual({ ok: true, instruction: "CONTINUE", alreadyCompleted: true });
    expect(checkReport(op(), completed, { ...beat, kind: "complete", status: "FAILED" }, at(6))).toMatchObject({ ok: false, code: "LEASE_ENDED" });
    expect(checkReport(op(), completed, beat, at(6))).toMatchObject({ ok: false, code: "LEASE_ENDED" });
  });

  it("expiry and the next deadline are plain arithmetic on the lease's length", () => {
    expect(expiryOf(lease(), at(59.999))).toBeNull();
    expect(expiryOf(lease(), at(60))).toContain("the 60 s lease ran out at 2026-12-07T10:01:00.000Z");
    expect(expiryOf(lease({ state: "HELD", deadline: null }), at(9999))).toBeNull();
    expect(deadlineAfter({ leaseSeconds: 60 }, at(30))).toEqual(at(90));
  });
});
