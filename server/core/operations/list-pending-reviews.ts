import type { QuorumView } from "./approval-quorum";
import { z } from "zod";
import type { Clock } from "../clock";
import { CONFLICT_SEVERITIES, type ConflictSeverity, type ConflictType } from "../conflicts/types";
import { pageOf, parseQuery, zCursor, zLimit, type Page } from "../pagination";
import type { EscalationStep, OperationQueries, OperationSummary, PendingReviewRecord } from "./query-ports";

export const ZListPendingReviewsQuery = z.strictObject({
  limit: zLimit(),
  cursor: zCursor("pending-reviews").optional(),
});

export type TListPendingReviewsQueryInput = z.input<typeof ZListPendingReviewsQuery>;
/** The query once parsed: the cursor as its position. */
export type ListPendingReviewsQuery = z.output<typeof ZListPendingReviewsQuery>;

/** One entry of the approval queue. */
export interface PendingReview {
  /** The review's id. */
  id: string;
  operationId: string;
  /** Why the operation paused, one sentence per cause. */
  reason: string;
  /** The pause's severity (the highest of the pausing conflicts; a failed pausing gate counts as HIGH). */
  severity: ConflictSeverity;
  requestedBy: string;
  evidenceHash: string;
  createdAt: string;
  /** How long it has waited, at `now`. */
  ageMs: number;
  /** The escalation level as recorded on the review. */
  escalationLevel: number;
  /** The deadlines fixed at pause time. */
  escalationPlan: EscalationStep[];
  /** The highest level whose deadline has passed at `now` (0: none yet). */
  dueLevel: number;
  /** The first deadline still ahead at `now`, and how far ahead; null when all have passed. */
  nextEscalation: { level: number; at: string; inMs: number } | null;
  /** When the review expires unanswered (the operation then fails). */
  timeoutAt: string | null;
  /** The count of approvals so far; the API adds it (docs/approvals.md#what-people-see). */
  quorum?: QuorumView;
  operation: OperationSummary;
  conflicts: { count: number; highestSeverity: ConflictSeverity | null; types: ConflictType[] };
  failedGates: PendingReviewRecord["failedGates"];
}

export type PendingReviewPage = Page<PendingReview>;

/** The approval queue: PENDING reviews, oldest first, with their age and escalation deadlines measured at the clock's now; from a query as it arrives (parsed here). */
export async function listPendingReviews(deps: { queries: OperationQueries; clock: Clock }, input: unknown): Promise<PendingReviewPage> {
  return listPendingReviewsPage(deps, parseQuery(ZListPendingReviewsQuery, input, "review queue query"));
}

/** The same from a query already parsed with ZListPendingReviewsQuery (the API endpoint parses its query once). */
export async function listPendingReviewsPage(deps: { queries: OperationQueries; clock: Clock }, q: ListPendingReviewsQuery): Promise<PendingReviewPage> {
  const rows = await deps.queries.listPendingReviews({ after: q.cursor ?? null, limit: q.limit + 1 });
  const now = deps.clock.now();
  const page = pageOf("pending-reviews", rows, q.limit);
  return { items: page.items.map((r) => toPendingReview(r, now)), nextCursor: page.nextCursor };
}

/** Pure: a queue entry from the stored review at `now`. */
export function toPendingReview(record: PendingReviewRecord, now: Date): PendingReview {
  const { review, operation } = record;
  const t = now.getTime();
  const plan = [...review.escalationPlan].sort((a, b) => a.level - b.level);
  const due = plan.filter((step) => Date.parse(step.at) <= t);
  const next = plan.find((step) => Date.parse(step.at) > t) ?? null;
  const types = [...new Set(record.conflicts.map((c) => c.type))];
  return {
    id: review.id,
    operationId: operation.id,
    reason: review.reason,
    severity: review.severity,
    requestedBy: review.requestedBy,
    evidenceHash: review.evidenceHash,
    createdAt: review.createdAt,
    ageMs: Math.max(0, t - Date.parse(review.createdAt)),
    escalationLevel: review.escalationLevel,
    escalationPlan: plan,
    dueLevel: due.reduce((max, step) => Math.max(max, step.level), 0),
    nextEscalation: next ? { level: next.level, at: next.at, inMs: Date.parse(next.at) - t } : null,
    timeoutAt: review.timeoutAt,
    operation,
    conflicts: { count: record.conflicts.length, highestSeverity: highestSeverity(record.conflicts.map((c) => c.severity)), types },
    failedGates: record.failedGates,
  };
}

export function highestSeverity(severities: readonly ConflictSeverity[]): ConflictSeverity | null {
  let highest: ConflictSeverity | null = null;
  for (const s of severities) if (highest === null || CONFLICT_SEVERITIES.indexOf(s) > CONFLICT_SEVERITIES.indexOf(highest)) highest = s;
  return highest;
}
