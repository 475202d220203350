// The one write the simulated executors make to the resource the SERVICE lock
// protects. Both the deployment and the rollback go through here so neither can
// forget the fence check or pass the wrong lock's token.
import { AppError } from "../errors";
import type { DeploymentLedger, ExecutionContext, HeldFence } from "./ports";

/**
 * The SERVICE lock on the operation's own service. Tokens grow per resource, so
 * only this lock's token means anything to the ledger entry for this service;
 * the token of an INCIDENT or SYSTEM lock would compare against the wrong sequence.
 */
export function serviceFenceOf(context: ExecutionContext): HeldFence {
  const { service, id } = context.operation;
  const fence = context.fences.find((f) => f.key.scope === "SERVICE" && f.key.resource === service);
  if (!fence) {
    // The orchestrator always locks the target service; reaching here is a wiring
    // fault, not a deployment failure, so it is not turned into an outcome.
    throw new AppError("INTERNAL", `Operation ${id} holds no SERVICE lock on ${service}: the deployment ledger cannot be written without its fencing token`, {
      operationId: id,
      service,
    });
  }
  return fence;
}

/**
 * Records `version` as live on the operation's service, carrying the SERVICE
 * fence's token. Throws LOCK_LOST when the lease is gone or when the ledger has
 * seen a higher token: a newer holder wrote first, and this holder must stop
 * without touching the service again.
 */
export async function recordVersionFenced(context: ExecutionContext, ledger: DeploymentLedger, version: string): Promise<{ fencingToken: bigint }> {
  const { service, id } = context.operation;
  const fence = serviceFenceOf(context);
  context.assertFenced();
  const result = await ledger.record({ service, version, operationId: id, fencingToken: fence.fencingToken });
  if (!result.accepted) {
    throw new AppError(
      "LOCK_LOST",
      `The deployment ledger refused ${version} on ${service}: fencing token ${fence.fencingToken} is lower than ${result.highestToken}, so a newer lock holder has written since`,
      { operationId: id, service, version, fencingToken: String(fence.fencingToken), highestToken: String(result.highestToken) },
    );
  }
  return { fencingToken: fence.fencingToken };
}
