import { describe, expect, it } from "vitest";
import type { TOperationDetail } from "@/lib/api/operations";
import { type ExecutionLease, deadlineText, executionViewOf, formatRelative, leaseBadge, leaseLengthText, leasePollMs } from "./execution-lease";

const NOW = Date.parse("2026-03-01T12:00:00.000Z");
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();

const lease = (over: Partial<ExecutionLease> = {}): ExecutionLease => ({
  state: "ACTIVE",
  fencingToken: "42",
  fences: [{ scope: "SERVICE", resource: "payment", fencingToken: "42" }],
  leaseSeconds: 30,
  deadline: at(25_000),
  grantedAt: at(-60_000),
  lastHeartbeatAt: at(-5_000),
  heartbeats: 3,
  holdReason: null,
  endedAt: null,
  endReason: null,
  ...over,
});

const detail = (execution: "internal" | "external", state: TOperationDetail["operation"]["state"], l: ExecutionLease | null) =>
  ({ operation: { execution, state } as TOperationDetail["operation"], lease: l }) as Pick<TOperationDetail, "operation" | "lease">;

describe("leaseBadge", () => {
  it("shows an active lease green, with nothing to add", () => {
    expect(leaseBadge(lease())).toEqual({ tone: "green", label: "Active", detail: null });
  });

  it("shows a held lease amber, with why it is held", () => {
    expect(leaseBadge(lease({ state: "HELD", holdReason: "paused by sre@x: investigating" }))).toEqual({ tone: "amber", label: "Held", detail: "paused by sre@x: investigating" });
    expect(leaseBadge(lease({ state: "HELD" })).detail).toMatch(/paused/);
  });

  it("shows expired and revoked leases red, with how they ended", () => {
    expect(leaseBadge(lease({ state: "EXPIRED", endReason: "no heartbeat for 30s" }))).toEqual({ tone: "red", label: "Expired", detail: "no heartbeat for 30s" });
    expect(leaseBadge(lease({ state: "REVOKED", endReason: "aborted by sre@x" }))).toEqual({ tone: "red", label: "Revoked", detail: "aborted by sre@x" });
    expect(leaseBadge(lease({ state: "EXPIRED" })).detail).toMatch(/heartbeat/);
  });

  it("shows a completed lease neutral", () => {
    expect(leaseBadge(lease({ state: "COMPLETED" }))).toEqual({ tone: "neutral", label: "Completed", detail: null });
  });
});

describe("executionViewOf", () => {
  it("shows nothing new for an internal execution", () => {
    expect(executionViewOf(detail("internal", "IN_PROGRESS", null))).toEqual({ kind: "internal" });
  });

  it("waits for the lease until the operation runs, and says when it never started", () => {
    expect(executionViewOf(detail("external", "SAFETY_CHECK", null))).toEqual({ kind: "waiting" });
    expect(executionViewOf(detail("external", "CANCELLED", null))).toEqual({ kind: "never-started" });
  });

  it("shows the lease once granted", () => {
    const l = lease();
    expect(executionViewOf(detail("external", "IN_PROGRESS", l))).toEqual({ kind: "lease", lease: l });
  });
});

describe("times", () => {
  it("says a time relative to now", () => {
    expect(formatRelative(at(42_000), NOW)).toBe("in 42s");
    expect(formatRelative(at(-65_000), NOW)).toBe("1m 05s ago");
    expect(formatRelative(at(300), NOW)).toBe("now");
    expect(formatRelative(null, NOW)).toBe("—");
  });

  it("counts down an active lease's deadline, and says why there is none otherwise", () => {
    expect(deadlineText(lease(), NOW)).toBe("in 25s");
    expect(deadlineText(lease({ deadline: at(-3_000) }), NOW)).toBe("passed 3s ago: expiring unless a heartbeat came in");
    expect(deadlineText(lease({ state: "HELD", deadline: null }), NOW)).toBe("none while held");
    expect(deadlineText(lease({ state: "COMPLETED", deadline: null }), NOW)).toBe("none: the lease has ended");
  });

  it("shows the lease length", () => {
    expect(leaseLengthText(30)).toBe("30s");
    expect(leaseLengthText(300)).toBe("5m 00s");
  });
});

describe("leasePollMs", () => {
  it("re-reads the operation only while the lease runs", () => {
    expect(leasePollMs(lease())).toBe(5_000);
    expect(leasePollMs(lease({ state: "HELD" }))).toBe(5_000);
    expect(leasePollMs(lease({ state: "EXPIRED" }))).toBe(false);
    expect(leasePollMs(null)).toBe(false);
  });
});
