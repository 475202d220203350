import type { AuditLog } from "../audit/audit-log";
import type { Clock } from "../clock";
import type { ConflictPolicy } from "../conflicts/policy";
import type { OperationExecutor } from "../executors/ports";
import type { GateConfig } from "../gates/gate-config";
import type { GateHistory, SignalSource } from "../gates/ports";
import type { GraphIndex } from "../graph/graph-index";
import type { LockManager } from "../locks/lock-manager";
import type { LockStore } from "../locks/ports";
import type { OrchestratorConfig } from "./orchestrator-config";
import type { OperationStore } from "./ports";
import type { NeighbourhoodLoader } from "./neighbourhood-loader";
import type { TransitionCommitter } from "./transition-committer";
import type { ExecutionMode, OperationState, OperationType } from "./types";
import type { ExecutionLeaseStore } from "../execution/ports";
import type { ActorPeople } from "../identity/actor-people";
import type { FreezeSource } from "../freezes/window-ports";
import type { ApprovalDeps } from "../approvals/ports";

/** Told after a change commits: the console's live updates and the notifier listen here. */
export interface OperationEvent {
  operationId: string;
  service: string;
  type: OperationType;
  state: OperationState;
  /** What happened, e.g. "transition", "review.approved". */
  kind: string;
  at: Date;
}

/** Everything the orchestrator's use cases work with; built once in the container. */
export interface OrchestratorDeps {
  store: OperationStore;
  audit: AuditLog;
  committer: TransitionCommitter;
  neighbourhood: NeighbourhoodLoader;
  locks: LockManager;
  /** For taking back the locks of a dead worker's attempt. */
  lockStore: LockStore;
  graph: { current(now: Date): Promise<GraphIndex> };
  conflictPolicy: () => Promise<ConflictPolicy>;
  gateConfig: () => Promise<GateConfig>;
  signals: SignalSource;
  /** RECENT_FAILURES, COOLDOWN and INCIDENT_RATE read the store through this (docs/gates.md). */
  gateHistory: GateHistory;
  /** The executor that carries `op` out: the submitter's lease for an external execution, else the one configured for its type. */
  executorFor: (op: { type: OperationType; execution: ExecutionMode }) => OperationExecutor;
  /** The leases of operations their submitters carry out (docs/execution.md). */
  leases: ExecutionLeaseStore;
  /** The people behind an actor name, for four-eyes: a token's creator is its requester too. */
  people: ActorPeople;
  /** Freeze windows and halts, for the FREEZE gate (docs/freezes.md#the-freeze-gate); without it nothing is frozen. */
  freezes?: FreezeSource;
  /** Approval policies and the approvals of reviews: N of M (docs/approvals.md). */
  approvals: ApprovalDeps;
  clock: Clock;
  config: OrchestratorConfig;
  newId: () => string;
  publish: (event: OperationEvent) => void;
  onBackgroundError: (error: unknown, context: string) => void;
}
