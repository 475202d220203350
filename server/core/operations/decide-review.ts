import { z } from "zod";
import type { AuditEventInput } from "../audit/types";
import { AppError } from "../errors";
import { operationEvent, transitionEvent } from "./audit-events";
import { fourEyesRefusal } from "./four-eyes";
import { approvalRefusal, countQuorum, rulesFor, type CountableApproval, type Quorum, type QuorumRule } from "./approval-quorum";
import type { ApproverStanding, ReviewApprovalRecord } from "../approvals/ports";
import { ROLES, type Role } from "../identity/roles";
import { causesOf, compareEvidence, evaluateEvidenceNow, reviewRefreshOf } from "./fresh-evidence";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationRecord, ReviewRecord } from "./ports";
import { planTransition } from "./state-machine";
import { parseInput } from "../parse-input";

export const ZReviewDecisionInput = z.strictObject({
  operationId: z.uuid(),
  decision: z.enum(["APPROVE", "REJECT"]),
  /** The signed-in reviewer. */
  actor: z.string().trim().min(1).max(200),
  notes: z.string().trim().max(4000).optional(),
  /** The reviewer's own approval reference (seed: APPROVE-99887); generated when absent. */
  approvalId: z.string().trim().min(3).max(100).optional(),
  /** The evidence hash the reviewer was shown: refused if the evidence has changed since. */
  evidenceHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** The reviewer's role as authenticated (an API token's own role); read from their user when absent (docs/approvals.md#who-counts). */
  role: z.enum(ROLES).optional(),
});
export type ReviewDecisionInput = z.input<typeof ZReviewDecisionInput>;

export interface ReviewDecision {
  operation: OperationRecord;
  review: ReviewRecord;
  approvalId: string | null;
  /** The count of approvals after this decision: "1 of 2 approvals", who gave them, each policy (docs/approvals.md). */
  quorum: Quorum;
}

/**
 * Approves or rejects a paused operation. The requester cannot decide their
 * own operation, nor through a token they created, nor as the creator of the
 * token that requested it. Of two concurrent decisions (approve and reject, or a cancel)
 * exactly one wins: the review row changes only while it is PENDING, and the
 * loser is told who decided first. Approval first re-evaluates conflicts and
 * gates against the present: evidence worse than what the reviewer was shown
 * keeps the operation paused with the new evidence (409 naming what
 * changed); otherwise a worker re-takes the locks and resumes (PAUSED →
 * IN_PROGRESS, recorded with the approver, the approval id and the hash of
 * the evidence approved). Rejection fails the operation in the same
 * transaction (docs/lifecycle.md#how-the-orchestrator-drives-an-operation).
 * An approval is one of the N distinct approvals the approval policies that
 * apply may ask for: it is recorded under a row lock on the review, and only
 * the one that completes the quorum approves the review
 * (docs/approvals.md#counting).
 */
export async function decideReview(deps: OrchestratorDeps, input: unknown): Promise<ReviewDecision> {
  const d = parseInput(ZReviewDecisionInput, input, "review decision");
  const op = await deps.store.get(d.operationId);
  if (!op) throw new AppError("NOT_FOUND", `Operation ${d.operationId} does not exist`, { operationId: d.operationId });
  const review = await deps.store.pendingReview(op.id);
  if (!review || op.state !== "PAUSED_FOR_HUMAN_REVIEW") {
    const last = await deps.store.latestDecidedReview(op.id);
    throw new AppError("CONFLICT", last ? `Operation ${op.id} is ${op.state}: its review was already ${last.status.toLowerCase()} by ${last.decidedBy ?? "the system"}` : `Operation ${op.id} is ${op.state} and has no review waiting for a decision`, {
      operationId: op.id,
      state: op.state,
      decidedBy: last?.decidedBy ?? null,
      reviewStatus: last?.status ?? null,
    });
  }
  await assertFourEyes(deps, op, d.actor, d.decision);
  if (d.evidenceHash && d.evidenceHash !== review.evidenceHash) {
    throw new AppError("CONFLICT", `The evidence of review ${review.id} was re-evaluated since you were shown it (hash ${d.evidenceHash.slice(0, 12)}… is now ${review.evidenceHash.slice(0, 12)}…); read it again before deciding`, {
      reviewId: review.id,
      evidenceHash: review.evidenceHash,
      changes: ["The evidence was re-evaluated after you loaded it"],
    });
  }
  if (d.decision === "REJECT" && op.startedAt !== null) {
    throw new AppError("CONFLICT", `Operation ${op.id} had started changing ${op.service} before it paused; rejecting it would leave the change half done. Abort it instead (POST /api/v1/operations/${op.id}/abort), which withdraws what it changed`, {
      operationId: op.id,
      startedAt: op.startedAt.toISOString(),
    });
  }
  const now = deps.clock.now();
  const counting = await approvalContext(deps, op, d.actor, d.role);
  // A quick refusal before evaluating evidence; the authoritative check is repeated under the review's row lock.
  if (d.decision === "APPROVE") refuseApproval(counting, await deps.store.transact((tx) => deps.approvals.reviews.approvalsOf(tx, review.id)));
  // Approval acts on the present, not on the evidence of the pause (docs/lifecycle.md "Fresh evidence at decision time").
  const fresh = d.decision === "APPROVE" ? await evaluateEvidenceNow(deps, op, causesOf(review.evidence), now) : null;
  if (fresh) {
    const { changes, worse } = compareEvidence(review.evidence, fresh.evidence);
    if (worse) {
      await deps.store.transact(async (tx) => {
        if (!(await deps.store.refreshReview(tx, review.id, reviewRefreshOf(fresh)))) throw lostRace(op.id);
        // Approvals given on better evidence than there now is no longer count (docs/approvals.md#evidence).
        const voided = await deps.approvals.reviews.voidApprovals(tx, review.id);
        await deps.audit.appendInTransaction(tx, [
          operationEvent(op, "MANUAL_INTERVENTION", "WARNING", "review.evidence_refreshed", { reviewId: review.id, previousHash: review.evidenceHash, evidenceHash: fresh.hash, changes, worse, trigger: "approval", voidedApprovals: voided }, d.actor),
        ]);
      });
      deps.publish({ operationId: op.id, service: op.service, type: op.type, state: op.state, kind: "review.evidence_refreshed", at: now });
      throw new AppError("CONFLICT", `Not approved: the evidence for ${op.id} is worse than when it was shown. ${changes.join(" ")} The review stays pending with the new evidence; read it and decide again`, {
        operationId: op.id,
        reviewId: review.id,
        evidenceHash: fresh.hash,
        changes,
      });
    }
  }
  const approvalId = d.decision === "APPROVE" ? (d.approvalId ?? `APPROVE-${deps.newId().replace(/-/g, "").slice(-12).toUpperCase()}`) : null;
  const notes = d.notes ?? null;
  const decidedHash = fresh?.hash ?? review.evidenceHash;
  const decided: ReviewRecord = { ...review, status: d.decision === "APPROVE" ? "APPROVED" : "REJECTED", decidedBy: d.actor, decidedAt: now, approvalId, notes, evidenceHash: decidedHash, evidence: fresh?.evidence ?? review.evidence, evaluatedAt: fresh ? now : review.evaluatedAt };

  let updated = op;
  let quorum: Quorum = counting.count([]);
  let met = d.decision === "REJECT";
  await decideOnce(deps, op.id, () => deps.store.transact(async (tx) => {
    // One decision of this review at a time, in every process: two approvals count each other (docs/approvals.md#counting).
    const locked = await deps.approvals.reviews.lockReview(tx, review.id);
    if (!locked || locked.status !== "PENDING") throw lostRace(op.id);
    // The evidence an approval rests on: re-read now, no worse than what was shown, kept with the decision.
    if (fresh && fresh.hash !== review.evidenceHash && !(await deps.store.refreshReview(tx, review.id, reviewRefreshOf(fresh)))) throw lostRace(op.id);
    const earlier = await deps.approvals.reviews.approvalsOf(tx, review.id);
    if (d.decision === "APPROVE") {
      const before = refuseApproval(counting, earlier);
      const mine: ReviewApprovalRecord = {
        reviewId: review.id,
        approver: d.actor,
        person: counting.person,
        at: now,
        approvalId: approvalId!,
        notes,
        evidenceHash: decidedHash,
        standing: counting.standing,
        countedFor: before.policies.filter((p, i) => !p.met && counting.eligibleFor(i)).map((p) => p.name),
      };
      await deps.approvals.reviews.recordApproval(tx, mine);
      quorum = counting.count([...earlier.filter((a) => a.person !== counting.person), mine]);
      met = quorum.met;
      const tally = { quorum: quorum.summary, approvals: quorum.approvals.map((a) => a.by), policies: quorum.policies.map((p) => ({ name: p.name, have: p.have, required: p.required, met: p.met })) };
      if (!met) {
        await deps.audit.appendInTransaction(tx, [
          operationEvent(op, "MANUAL_INTERVENTION", "INFO", "review.approval_recorded", { reviewId: review.id, approvalId, notes, evidenceHash: decidedHash, shownEvidenceHash: review.evidenceHash, ...tally, needed: quorum.needed }, d.actor),
        ]);
        return;
      }
      const won = await deps.store.decideReview(tx, { reviewId: review.id, status: "APPROVED", decidedBy: d.actor, decidedAt: now, approvalId, notes });
      if (!won) throw lostRace(op.id);
      if (!(await deps.store.markResumeApproved(tx, op.id))) throw lostRace(op.id);
      await deps.audit.appendInTransaction(tx, [
        operationEvent(op, "MANUAL_INTERVENTION", "INFO", "review.approved", { reviewId: review.id, approvalId, notes, evidenceHash: decidedHash, shownEvidenceHash: review.evidenceHash, reason: review.reason, ...tally }, d.actor),
      ]);
      updated = { ...op, resumeApproved: true };
      return;
    }
    quorum = counting.count(earlier);
    const won = await deps.store.decideReview(tx, { reviewId: review.id, status: "REJECTED", decidedBy: d.actor, decidedAt: now, approvalId, notes });
    if (!won) throw lostRace(op.id);
    const reason = `Rejected by ${d.actor}${notes ? `: ${notes}` : ""}`;
    const transition = planTransition(op, "FAILED", { actor: d.actor, at: now, metadata: { reviewId: review.id, decision: "REJECTED", notes } });
    const [applied] = await deps.store.applyTransitions(tx, [
      { operationId: op.id, expectedVersion: op.version, expectedOwner: null, transition, changes: { result: "FAILED", reason, finished: true, releaseClaim: true } },
    ]);
    if (!applied) throw lostRace(op.id);
    const decisionEvent: AuditEventInput = operationEvent(op, "MANUAL_INTERVENTION", "WARNING", "review.rejected", { reviewId: review.id, approvalId, notes, evidenceHash: decidedHash, shownEvidenceHash: review.evidenceHash, reason: review.reason, quorum: quorum.summary }, d.actor);
    await deps.audit.appendInTransaction(tx, [decisionEvent, transitionEvent(op, transition, "WARNING")]);
    updated = { ...op, state: "FAILED", version: transition.version, result: "FAILED", reason };
  }));
  if (d.decision === "APPROVE" && !met) {
    deps.publish({ operationId: op.id, service: op.service, type: op.type, state: op.state, kind: "review.approval_recorded", at: now });
    return { operation: op, review: { ...review, evidenceHash: decidedHash, evidence: fresh?.evidence ?? review.evidence, evaluatedAt: fresh ? now : review.evaluatedAt }, approvalId, quorum };
  }
  if (d.decision === "APPROVE") await deps.store.announceWork().catch((error) => deps.onBackgroundError(error, "announcing an approval"));
  deps.publish({ operationId: op.id, service: op.service, type: op.type, state: updated.state, kind: d.decision === "APPROVE" ? "review.approved" : "review.rejected", at: now });
  return { operation: updated, review: decided, approvalId, quorum };
}

/** Everything needed to count this review's approvals and to judge the decider's. */
interface ApprovalContext {
  person: string;
  standing: ApproverStanding;
  rules: QuorumRule[];
  count(approvals: readonly ReviewApprovalRecord[]): Quorum;
  /** Whether the decider is eligible for rules[i]. */
  eligibleFor(i: number): boolean;
  actor: string;
  owningTeam: string | null;
}

/**
 * Reads the policies that apply to `op`, its service's team, and the decider's
 * standing: their role (as authenticated, else their user's) and their teams
 * (a token's are its creator's) (docs/approvals.md#who-counts).
 */
export async function approvalContext(deps: Pick<OrchestratorDeps, "approvals" | "people">, op: Pick<OperationRecord, "service" | "type" | "actor">, actor: string, role?: Role): Promise<ApprovalContext> {
  const [policies, facts, requesterPeople, deciderPeople] = await Promise.all([
    deps.approvals.policies.listPolicies(),
    deps.approvals.facts.serviceFacts(op.service),
    deps.people.peopleOf(op.actor),
    deps.people.peopleOf(actor),
  ]);
  const users = deciderPeople.length > 0 ? await deps.approvals.facts.usersStanding(deciderPeople) : [];
  const owningTeam = facts?.team ?? null;
  const rules = rulesFor(policies, { service: op.service, team: owningTeam, tier: facts?.tier ?? null, type: op.type });
  // Whoever reached a decision without a role had it checked by its caller (the endpoints pass it); a known user's own role is used.
  const standing: ApproverStanding = { role: role ?? users[0]?.role ?? "APPROVER", teams: [...new Set(users.flatMap((u) => u.teams))].sort() };
  const person = [...deciderPeople].sort()[0] ?? actor.trim().toLowerCase();
  const requester = { actor: op.actor, people: requesterPeople };
  const count = (approvals: readonly ReviewApprovalRecord[]) =>
    countQuorum({ rules, requester, owningTeam, approvals: approvals.map((a): CountableApproval => ({ actor: a.approver, person: a.person, role: a.standing.role, teams: a.standing.teams, at: a.at })) });
  const probe = countQuorum({ rules, requester: { actor: "", people: [] }, owningTeam, approvals: [{ actor, person, role: standing.role, teams: standing.teams, at: new Date(0) }] });
  return { person, standing, rules, count, eligibleFor: (i) => probe.policies[i]!.approvers.length > 0, actor, owningTeam };
}

/** Refuses one more approval by the decider (409 already approved, 403 not eligible); the count so far otherwise. */
function refuseApproval(ctx: ApprovalContext, approvals: readonly ReviewApprovalRecord[]): Quorum {
  const quorum = ctx.count(approvals);
  const already = approvals.some((a) => a.person === ctx.person);
  const refusal = approvalRefusal(quorum, ctx.rules, { actor: ctx.actor, person: ctx.person, ...ctx.standing }, already, ctx.owningTeam);
  if (!refusal) return quorum;
  if (refusal.kind === "already-approved") throw new AppError("CONFLICT", refusal.message, { quorum: quorum.summary, approvals: quorum.approvals.map((a) => a.by) });
  throw new AppError("FORBIDDEN", refusal.message, { quorum: quorum.summary, needed: quorum.needed, role: ctx.standing.role, teams: ctx.standing.teams });
}

/**
 * Runs the decision's transaction; when a concurrent decision won, the refusal
 * names who decided and how, read after the winner committed.
 */
async function decideOnce(deps: OrchestratorDeps, operationId: string, decide: () => Promise<void>): Promise<void> {
  try {
    await decide();
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "VERSION_CONFLICT") throw error;
    const winner = await deps.store.latestDecidedReview(operationId).catch(() => null);
    if (!winner?.decidedBy) throw error;
    throw new AppError("VERSION_CONFLICT", `Operation ${operationId} was already ${winner.status.toLowerCase()} by ${winner.decidedBy} at the same moment; that decision stands`, {
      operationId,
      decidedBy: winner.decidedBy,
      reviewStatus: winner.status,
    });
  }
}

function lostRace(operationId: string): AppError {
  return new AppError("VERSION_CONFLICT", `Operation ${operationId} was decided or changed by someone else at the same moment; reload it to see the decision that stands`, { operationId });
}

/**
 * The requester does not decide: not under the same actor name, and not
 * through a token they created or as the creator of the token that asked
 * (the rule itself is the pure fourEyesRefusal).
 */
async function assertFourEyes(deps: OrchestratorDeps, op: OperationRecord, decider: string, decision: "APPROVE" | "REJECT"): Promise<void> {
  const [requesterPeople, deciderPeople] = await Promise.all([deps.people.peopleOf(op.actor), deps.people.peopleOf(decider)]);
  const refusal = fourEyesRefusal({ actor: op.actor, people: requesterPeople }, { actor: decider, people: deciderPeople });
  if (!refusal) return;
  const verb = decision === "APPROVE" ? "approve" : "reject";
  throw new AppError(
    "FORBIDDEN",
    refusal === "same-actor"
      ? `${decider} requested operation ${op.id} and cannot ${verb} it; another approver must decide`
      : `${decider} and ${op.actor}, who requested operation ${op.id}, are the same person (an API token acts for the user who created it), so ${decider} cannot ${verb} it; another approver must decide`,
    { operationId: op.id, requester: op.actor, rule: refusal },
  );
}
