import type { LinePlacement } from "./service-line";

// Conflicts between an operation that wants to start and the work already
// under way. The names match the Prisma enums (ConflictType, ConflictSeverity,
// ConflictAction, OperationType) so a result is stored without translation.

export const OPERATION_TYPES = ["DEPLOYMENT", "ROLLBACK", "VERIFICATION", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

/**
 * The seven conflict types. X is the candidate operation's service, Y the
 * service of another operation, D the policy's traversal depth (default 3);
 * "X depends on Y" means a DEPENDS_ON edge X → Y. Downstream of X = what X
 * depends on (`-[:DEPENDS_ON*1..D]->`, docs/specification.md#blast-radius); upstream of X = what
 * depends on X.
 *
 * - DIRECT: an in-flight operation targets X itself (any type: two concurrent
 *   changes to one service make both verifications meaningless).
 * - DEPENDENCY: X depends on Y through one edge (X → Y) and Y has an in-flight
 *   operation: X's change is tested against a Y that is changing (the
 *   user-service → payment-service example of docs/specification.md#conflicts).
 * - DOWNSTREAM: X reaches Y in 2..D hops along DEPENDS_ON (Y is a transitive
 *   dependency, not a direct one) and Y has an in-flight operation.
 * - UPSTREAM: Y reaches X in 1..D hops (Y depends on X, directly or not) and Y
 *   has an in-flight operation: changing X changes what Y's running operation
 *   is being verified against.
 * - SHARED_RESOURCE: X ≠ Y are members of a common resource group (a database,
 *   cache or queue) and Y has an in-flight operation: a schema, connection or
 *   load change by either hits both. Independent of the edge types above.
 * - CASCADE: X and Y are not connected within D hops in either direction, but
 *   some third service Z depends directly on both (Z → X and Z → Y) and Y has
 *   an in-flight operation: a fault from either change converges on Z, and
 *   whatever fails there cannot be attributed to one of them. One edge each,
 *   not D hops: within 3 hops a gateway reaches most of an estate, and every
 *   pair of operations would "cascade" through it (the departure is explained in
 *   docs/specification.md#conflicts).
 * - TIMING: an operation on X, or on a service one edge away from X in either
 *   direction, finished less than the policy's timing window ago (default
 *   300 s, the cooldown of docs/gates.md#the-gates): its effects have not settled, so the
 *   candidate would be verified against a moving baseline.
 *
 * A pair of operations can be in several conflicts at once (the reference
 * example of docs/specification.md#conflicts is DEPENDENCY + SHARED_RESOURCE); DEPENDENCY and DOWNSTREAM exclude
 * each other by hop count, and CASCADE only fires when no path type did.
 */
export const CONFLICT_TYPES = ["DIRECT", "DEPENDENCY", "DOWNSTREAM", "UPSTREAM", "SHARED_RESOURCE", "CASCADE", "TIMING"] as const;
export type ConflictType = (typeof CONFLICT_TYPES)[number];

/** Ordered from least to most severe. */
export const CONFLICT_SEVERITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type ConflictSeverity = (typeof CONFLICT_SEVERITIES)[number];

/**
 * What to do about a conflict: BLOCK refuses the operation; PAUSE_FOR_REVIEW
 * holds it for a human; DELAY lets it start once the conflict has passed (the
 * timing window ran out or the other operation finished); WARN lets it run and
 * records the conflict. QUEUE and SUPERSEDE apply to DIRECT only (one service,
 * docs/conflicts.md): QUEUE waits in line for the service, SUPERSEDE replaces
 * an older DEPLOYMENT that has not started.
 */
export const CONFLICT_ACTIONS = ["BLOCK", "PAUSE_FOR_REVIEW", "WARN", "DELAY", "QUEUE", "SUPERSEDE"] as const;
export type ConflictAction = (typeof CONFLICT_ACTIONS)[number];

/** When several conflicts apply, the strictest action wins, in this order. */
export const ACTION_PRECEDENCE: readonly ConflictAction[] = ["BLOCK", "PAUSE_FOR_REVIEW", "DELAY", "QUEUE", "SUPERSEDE", "WARN"];

export interface OperationRef {
  id: string;
  type: OperationType;
  /** The target service's name. */
  service: string;
  actor: string;
  createdAt: Date;
  params?: Record<string, unknown>;
  /** Links the steps of one incident (a remediation, then its verification or rollback). */
  correlationId?: string;
  /**
   * Its place in the line for its service (docs/lifecycle.md#one-change-at-a-time-per-service): state, lock
   * priority (0 most urgent), arrival order and whether it started executing.
   * Absent fields read as a NORMAL-priority operation that arrived earlier and
   * has not started (for the candidate: one arriving now).
   */
  state?: OperationStateName;
  priority?: number;
  seq?: bigint;
  started?: boolean;
  /** Its current attempt: its locks are held as op:<id>#<attempt>. */
  attempt?: number;
  /** Waiting in line for its service. */
  queued?: boolean;
}

/** The state names (operations/types.ts), repeated here so conflicts need not import operations. */
export type OperationStateName = "INIT" | "LOCKED" | "SAFETY_CHECK" | "IN_PROGRESS" | "PAUSED_FOR_HUMAN_REVIEW" | "COMPLETED" | "FAILED" | "ROLLED_BACK" | "CANCELLED";

export interface FinishedOperationRef extends OperationRef {
  finishedAt: Date;
}

export interface BlastRadius {
  /** The weighted sum (docs/specification.md#blast-radius): direct × 1.0 + downstream × 0.5 + shared resource × 0.8 + upstream × 0.3. */
  score: number;
  /** Distinct services affected, as a percentage of all services (one decimal). */
  percentage: number;
  affectedCount: number;
  totalServices: number;
  depth: number;
  // The sets are disjoint: each service is counted once, in the heaviest set it belongs to.
  direct: string[];
  sharedResource: string[];
  downstream: string[];
  upstream: string[];
}

export interface Conflict {
  type: ConflictType;
  severity: ConflictSeverity;
  action: ConflictAction;
  /** The other operations this conflict is with (not the candidate). */
  conflictingOperationIds: string[];
  /** The services that make the conflict: both ends, and the path or common dependent between them. */
  affectedServices: string[];
  /** Over the services of both operations. */
  blastRadius: BlastRadius;
  /** One sentence: what overlaps with what, and through which edge or resource. */
  explanation: string;
  recommendation: string;
  evidence: {
    /** DEPENDENCY, DOWNSTREAM, UPSTREAM: the DEPENDS_ON path, in edge direction. */
    path?: string[];
    /** SHARED_RESOURCE: the groups both services belong to. */
    resourceGroups?: string[];
    /** CASCADE: the services that depend directly on both. */
    commonDependents?: string[];
    /** TIMING: when the other operation finished and when the window closes. */
    finishedAt?: string;
    notBefore?: string;
  };
}

export interface ConflictDecision {
  /** PROCEED when nothing conflicts or every conflicting type is disabled. */
  action: ConflictAction | "PROCEED";
  severity: ConflictSeverity | null;
  /** For DELAY decided by TIMING: the earliest moment the operation may start. */
  notBefore: string | null;
}

export interface ConflictCheck {
  operationId: string;
  /** Where the candidate stands among the unfinished operations on its own service (DIRECT). */
  line: LinePlacement;
  service: string;
  checkedAt: string;
  /** Every conflict, most severe first. */
  conflicts: Conflict[];
  decision: ConflictDecision;
  /** The candidate's own blast radius, conflicts or not: what the blast-radius gate reads. */
  blastRadius: BlastRadius;
}
