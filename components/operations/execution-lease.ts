// How the console shows who carries an operation out and, for an external
// execution, its lease (docs/execution.md): pure, so the panel's wording and
// tones are unit-tested (execution-lease.test.ts).
import type { TOperationDetail } from "@/lib/api/operations";
import { formatDuration } from "./common";

export type ExecutionLease = NonNullable<TOperationDetail["lease"]>;
export type LeaseTone = "green" | "amber" | "red" | "neutral";

export interface LeaseBadge {
  tone: LeaseTone;
  label: string;
  /** Why it is held or how it ended; null when there is nothing to add. */
  detail: string | null;
}

const FINISHED = new Set(["COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED"]);

/** The lease state's badge: ACTIVE green, HELD amber (with why), EXPIRED/REVOKED red (with why), COMPLETED neutral. */
export function leaseBadge(lease: Pick<ExecutionLease, "state" | "holdReason" | "endReason">): LeaseBadge {
  switch (lease.state) {
    case "ACTIVE":
      return { tone: "green", label: "Active", detail: null };
    case "HELD":
      return { tone: "amber", label: "Held", detail: lease.holdReason ?? "A person paused the operation: the submitter holds where it is and keeps heartbeating." };
    case "EXPIRED":
      return { tone: "red", label: "Expired", detail: lease.endReason ?? "No heartbeat came in before the deadline." };
    case "REVOKED":
      return { tone: "red", label: "Revoked", detail: lease.endReason ?? "The lease was revoked: nothing more is taken from the submitter." };
    case "COMPLETED":
      return { tone: "neutral", label: "Completed", detail: lease.endReason };
  }
}

/** What the Execution panel shows for an operation. */
export type ExecutionView =
  | { kind: "internal" }
  /** External, not granted yet: it is granted when the operation reaches IN_PROGRESS. */
  | { kind: "waiting" }
  /** External, never granted: the operation ended before it started. */
  | { kind: "never-started" }
  | { kind: "lease"; lease: ExecutionLease };

export function executionViewOf(detail: Pick<TOperationDetail, "operation" | "lease">): ExecutionView {
  if (detail.lease) return { kind: "lease", lease: detail.lease };
  if (detail.operation.execution !== "external") return { kind: "internal" };
  return FINISHED.has(detail.operation.state) ? { kind: "never-started" } : { kind: "waiting" };
}

/** "in 42s", "3m 05s ago", "now" (within a second), relative to `now` (ms); "—" for no time. */
export function formatRelative(iso: string | null | undefined, now: number): string {
  if (!iso) return "—";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "—";
  const diff = at - now;
  if (Math.abs(diff) < 1000) return "now";
  return diff > 0 ? `in ${formatDuration(diff)}` : `${formatDuration(-diff)} ago`;
}

/** The deadline as the panel says it: a countdown while ACTIVE, otherwise why there is none. */
export function deadlineText(lease: Pick<ExecutionLease, "state" | "deadline">, now: number): string {
  if (lease.state === "HELD") return "none while held";
  if (lease.state !== "ACTIVE") return "none: the lease has ended";
  if (!lease.deadline) return "—";
  const left = Date.parse(lease.deadline) - now;
  // The server expires it at its next look; until the page refreshes, say so rather than count up silently.
  if (left >= 1000) return `in ${formatDuration(left)}`;
  if (left > -1000) return "now";
  return `passed ${formatDuration(-left)} ago: expiring unless a heartbeat came in`;
}

/** The lease length: "30s", "5m 00s". */
export function leaseLengthText(seconds: number): string {
  return formatDuration(seconds * 1000);
}

/**
 * How often the detail page re-reads the operation while its lease runs.
 * Heartbeats are counted on the lease, not audited, so the live stream does
 * not announce them; a running lease's deadline and heartbeat count would
 * otherwise stand still between audited changes.
 */
export function leasePollMs(lease: Pick<ExecutionLease, "state"> | null | undefined): number | false {
  return lease && (lease.state === "ACTIVE" || lease.state === "HELD") ? 5_000 : false;
}
