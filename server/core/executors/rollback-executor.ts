// ROLLBACK operations (docs/specification.md#executors-and-the-canary: when verification
// fails, a ROLLBACK with `to_version` goes through the orchestrator, locks and
// all). Records the target version in the deployment ledger under the SERVICE
// fence, lets it bake, and verifies the service with the same health checks
// as a VERIFICATION operation.
import { AppError } from "../errors";
import type { SignalSource } from "../gates/ports";
import type { OperationSnapshot } from "../operations/types";
import { recordVersionFenced, serviceFenceOf } from "./fenced-ledger-write";
import type { DeploymentLedger, ExecutionContext, ExecutionOutcome, OperationExecutor } from "./ports";
import { healthCheckSummaries, readSignalsOrRecord, recordHealthChecks } from "./record-health-checks";
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from "./service-health-checks";

export interface RollbackExecutorOptions {
  signals: SignalSource;
  ledger: DeploymentLedger;
  /**
   * Simulated time the restored version runs before it is verified. The
   * original failure matrix reported rollbacks done in 7–9 s of demo time; a
   * minute, scaled like the canary's five, keeps it inside that.
   */
  bakeTimeMs?: number;
  thresholds?: Partial<HealthThresholds>;
}

export const DEFAULT_ROLLBACK_BAKE_TIME_MS = 60_000;

/** Step name a resumed attempt reads back to know the restore is already done. */
const RESTORE_STEP = "restore version";

/** params.to_version (as originally specified) or params.toVersion (the REST API's camelCase). */
export function rollbackTargetOf(params: OperationSnapshot["params"]): string | null {
  for (const raw of [params.to_version, params.toVersion]) {
    if (typeof raw === "string" && raw.trim() !== "") return raw.trim();
    if (typeof raw === "number") return String(raw);
  }
  return null;
}

export class RollbackExecutor implements OperationExecutor {
  readonly name = "simulated-rollback";
  private readonly thresholds: HealthThresholds;
  private readonly bakeTimeMs: number;

  constructor(private readonly options: RollbackExecutorOptions) {
    this.thresholds = { ...DEFAULT_HEALTH_THRESHOLDS, ...options.thresholds };
    this.bakeTimeMs = options.bakeTimeMs ?? DEFAULT_ROLLBACK_BAKE_TIME_MS;
  }

  async execute(context: ExecutionContext): Promise<ExecutionOutcome> {
    const { operation } = context;
    const { service } = operation;
    if (operation.type !== "ROLLBACK") {
      throw new AppError("VALIDATION_FAILED", `The rollback executor does not run ${operation.type} operations`, { operationType: operation.type });
    }
    serviceFenceOf(context);
    context.signal.throwIfAborted();

    const live = await this.options.ledger.current(service);
    const restoredEarlier = context.previousSteps.find((s) => s.name === RESTORE_STEP && typeof s.detail.version === "string");
    // Once this operation has written the ledger, "the previous version" there is
    // the bad one it replaced; a resumed attempt must keep the target it had.
    const target =
      (restoredEarlier?.detail.version as string | undefined) ??
      rollbackTargetOf(operation.params) ??
      (live !== null && live.operationId === operation.id ? live.version : (live?.previousVersion ?? null));
    if (target === null) {
      const summary = live
        ? `No version to roll ${service} back to: no to_version was given and the deployment ledger records nothing before ${live.version}; nothing was changed.`
        : `No version to roll ${service} back to: no to_version was given and the deployment ledger has no record of ${service}; nothing was changed.`;
      return { status: "FAILED", summary, detail: { service, liveVersion: live?.version ?? null } };
    }

    let replacedVersion = typeof restoredEarlier?.detail.replacedVersion === "string" ? restoredEarlier.detail.replacedVersion : null;
    if (!restoredEarlier) {
      const startedAt = context.clock.now().toISOString();
      if (live?.version === target) {
        // Nothing to write (already live, or this operation's own write from an
        // attempt that died before recording it); still verified below, since the
        // caller asked for a healthy service on `target`.
        replacedVersion = live.operationId === operation.id ? live.previousVersion : null;
        await context.recordStep({ name: RESTORE_STEP, startedAt, endedAt: context.clock.now().toISOString(), outcome: "INFO", detail: { version: target, replacedVersion, alreadyLive: true } });
      } else {
        replacedVersion = live?.version ?? null;
        const { fencingToken } = await recordVersionFenced(context, this.options.ledger, target);
        await context.recordStep({
          name: RESTORE_STEP,
          startedAt,
          endedAt: context.clock.now().toISOString(),
          outcome: "PASSED",
          detail: { version: target, replacedVersion, fencingToken: String(fencingToken) },
        });
      }
    }

    await context.sleep(this.bakeTimeMs);
    const startedAt = context.clock.now().toISOString();
    const read = await readSignalsOrRecord(context, this.options.signals, service, { name: "verify read signals", startedAt });
    if (!read.ok) {
      return {
        status: "FAILED",
        summary: `${service} was rolled back to ${target}, but its health could not be verified: the signals could not be read (${read.error}).`,
        detail: { service, version: target, error: read.error },
      };
    }

    const results = await recordHealthChecks(context, read.signals, this.thresholds, { prefix: "verify", startedAt });
    const failed = results.filter((r) => !r.passed);
    const detail = {
      service,
      version: target,
      replacedVersion,
      checks: healthCheckSummaries(results),
    };
    if (failed.length > 0) {
      return { status: "FAILED", summary: `${service} was rolled back to ${target}, but it is still unhealthy: ${failed.map((r) => r.explanation).join("; ")}.`, detail };
    }
    return { status: "SUCCEEDED", summary: `${service} was rolled back to ${target} and is healthy: ${results.map((r) => r.explanation).join("; ")}.`, detail };
  }
}
