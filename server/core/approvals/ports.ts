import type { StoreTransaction } from "../audit/ports";
import type { Role } from "../identity/roles";
import type { ApprovalPolicy, ApprovalPolicyDraft } from "./types";

/** One approval of a review (docs/approvals.md#counting). */
export interface ReviewApprovalRecord {
  reviewId: string;
  approver: string;
  /** The user behind the approver (a token's creator), or the actor itself when nobody is. */
  person: string;
  at: Date;
  approvalId: string;
  notes: string | null;
  evidenceHash: string;
  /** The approver's role and teams when they approved, and the policies it counted toward then. */
  standing: ApproverStanding;
  countedFor: string[];
}

/** What makes an approver eligible: their role (a token's own role) and their teams (a token's are its creator's). */
export interface ApproverStanding {
  role: Role;
  teams: string[];
}

export interface ServiceFacts {
  name: string;
  team: string;
  tier: number;
}

export interface ApprovalPolicyStore {
  listPolicies(): Promise<ApprovalPolicy[]>;
  getPolicy(id: string): Promise<ApprovalPolicy | null>;
  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** CONFLICT (AppError) when the name is taken. */
  insertPolicy(tx: StoreTransaction, policy: ApprovalPolicyDraft & { id: string; createdBy: string; now: Date }): Promise<ApprovalPolicy>;
  policyForChange(tx: StoreTransaction, id: string): Promise<ApprovalPolicy | null>;
  /** CONFLICT (AppError) when the new name is taken. */
  updatePolicy(tx: StoreTransaction, policy: ApprovalPolicy): Promise<ApprovalPolicy>;
  deletePolicy(tx: StoreTransaction, id: string): Promise<boolean>;
}

/** The facts a count of approvals reads. */
export interface ApprovalFacts {
  /** Team and tier of a service from the topology; null when it is not there. */
  serviceFacts(service: string): Promise<ServiceFacts | null>;
  allServices(): Promise<ServiceFacts[]>;
  /** Teams and role of users by id (disabled users are left out). */
  usersStanding(ids: string[]): Promise<{ id: string; email: string; role: Role; teams: string[] }[]>;
  /** Every enabled user who may approve (APPROVER or ADMIN), with teams: a preview's pool. */
  approvers(): Promise<{ id: string; email: string; role: Role; teams: string[] }[]>;
}

/** Approvals of reviews, written in the orchestrator's transaction. */
export interface ReviewApprovalStore {
  /** Locks the review row until the transaction ends; its status and evidence hash, null when there is no such review. */
  lockReview(tx: StoreTransaction, reviewId: string): Promise<{ status: string; evidenceHash: string } | null>;
  approvalsOf(tx: StoreTransaction, reviewId: string): Promise<ReviewApprovalRecord[]>;
  /** Outside a transaction, for reading pages: the approvals of these reviews. */
  approvalsOfReviews(reviewIds: string[]): Promise<Map<string, ReviewApprovalRecord[]>>;
  /** Inserts, or replaces the approver's earlier approval of this review (one row per person). */
  recordApproval(tx: StoreTransaction, approval: ReviewApprovalRecord): Promise<void>;
  /** Removes every approval of the review (its evidence got worse); how many it removed. */
  voidApprovals(tx: StoreTransaction, reviewId: string): Promise<number>;
}

export interface ApprovalDeps {
  policies: Pick<ApprovalPolicyStore, "listPolicies">;
  facts: ApprovalFacts;
  reviews: ReviewApprovalStore;
}

/** Everything about approvals one store answers: the API's policies, previews and counts. */
export type ApprovalStore = ApprovalPolicyStore & ApprovalFacts & ReviewApprovalStore;
