// The count of a review's approvals as the operation page and the approval
// queue show it: "1 of 2 approvals", who gave them, each policy and what is
// still needed (docs/approvals.md#what-people-see).
import type { ActorPeople } from "../identity/actor-people";
import type { Quorum, QuorumView } from "../operations/approval-quorum";
import { approvalContext } from "../operations/decide-review";
import type { OperationType } from "../operations/types";
import type { ApprovalDeps } from "./ports";

export type { QuorumView };

export function quorumView(q: Quorum): QuorumView {
  return { ...q, approvals: q.approvals.map((a) => ({ by: a.by, at: a.at.toISOString() })) };
}

/** The quorum of each review, counted against the policies in force now. */
export async function quorumsOfReviews(
  deps: { approvals: ApprovalDeps; people: ActorPeople },
  reviews: readonly { reviewId: string; operation: { service: string; type: OperationType; actor: string } }[],
): Promise<Map<string, QuorumView>> {
  const approvals = await deps.approvals.reviews.approvalsOfReviews(reviews.map((r) => r.reviewId));
  const result = new Map<string, QuorumView>();
  await Promise.all(
    reviews.map(async (r) => {
      const ctx = await approvalContext(deps, r.operation, "", "VIEWER");
      result.set(r.reviewId, quorumView(ctx.count(approvals.get(r.reviewId) ?? [])));
    }),
  );
  return result;
}
