// Which executor runs which operation type. The orchestrator asks the registry
// and never knows whether the change is simulated or goes to a deploy system;
// the container decides that once, from configuration (docs/operations.md#what-a-production-deployment-looks-like).
import { AppError } from "../errors";
import type { SignalSource } from "../gates/ports";
import { OPERATION_TYPES, type OperationType } from "../operations/types";
import type { CanaryPolicy } from "./canary-analysis";
import type { DeploymentLedger, OperationExecutor } from "./ports";
import { RollbackExecutor } from "./rollback-executor";
import type { HealthThresholds } from "./service-health-checks";
import { DEPLOYING_OPERATION_TYPES, SimulatedDeploymentExecutor } from "./simulated-deployment-executor";
import { VerificationExecutor } from "./verification-executor";

export class ExecutorRegistry {
  private readonly byType: ReadonlyMap<OperationType, OperationExecutor>;

  constructor(executors: Partial<Record<OperationType, OperationExecutor>>) {
    const entries = Object.entries(executors) as Array<[OperationType, OperationExecutor | undefined]>;
    this.byType = new Map(entries.filter((entry): entry is [OperationType, OperationExecutor] => entry[1] !== undefined));
  }

  /** One executor for every type: a deploy system behind a webhook decides per type itself. */
  static everyTypeTo(executor: OperationExecutor): ExecutorRegistry {
    return new ExecutorRegistry(Object.fromEntries(OPERATION_TYPES.map((type) => [type, executor])));
  }

  /** A copy with `type` handled by `executor` (e.g. the webhook for changes, the local verification kept). */
  with(type: OperationType, executor: OperationExecutor): ExecutorRegistry {
    return new ExecutorRegistry({ ...Object.fromEntries(this.byType), [type]: executor });
  }

  has(type: OperationType): boolean {
    return this.byType.has(type);
  }

  /** Throws VALIDATION_FAILED when no executor is configured for `type`, before anything is changed. */
  forType(type: OperationType): OperationExecutor {
    const executor = this.byType.get(type);
    if (!executor) {
      throw new AppError("VALIDATION_FAILED", `No executor is configured for ${type} operations`, { operationType: type, configured: [...this.byType.keys()] });
    }
    return executor;
  }
}

export interface SimulatedExecutorsOptions {
  signals: SignalSource;
  ledger: DeploymentLedger;
  canaryPolicy?: CanaryPolicy;
  verification?: Partial<HealthThresholds>;
  /** Simulated bake before a rollback is verified (default DEFAULT_ROLLBACK_BAKE_TIME_MS). */
  rollbackBakeTimeMs?: number;
}

/** The embedded default: the canary for changes, the health checks for VERIFICATION, the ledger restore for ROLLBACK. */
export function createSimulatedExecutors(options: SimulatedExecutorsOptions): ExecutorRegistry {
  const deployment = new SimulatedDeploymentExecutor({ signals: options.signals, ledger: options.ledger, policy: options.canaryPolicy });
  const verification = new VerificationExecutor({ signals: options.signals, thresholds: options.verification });
  const rollback = new RollbackExecutor({ signals: options.signals, ledger: options.ledger, thresholds: options.verification, bakeTimeMs: options.rollbackBakeTimeMs });
  return new ExecutorRegistry({
    ...Object.fromEntries(DEPLOYING_OPERATION_TYPES.map((type) => [type, deployment])),
    VERIFICATION: verification,
    ROLLBACK: rollback,
  });
}
