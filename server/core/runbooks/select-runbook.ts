import type { OperationType } from "../operations/types";
import type { Runbook } from "./runbook-document";

/**
 * The runbook that runs an operation of `type` on `service`, or null (its
 * type's default executor runs it): one that lists the service wins over one
 * for any service of the same type (docs/runbooks.md#which-runbook-runs). The
 * loader refuses two runbooks that would claim the same pair, so at most one
 * of each kind matches.
 */
export function selectRunbook<R extends Pick<Runbook, "type" | "services">>(runbooks: readonly R[], operation: { type: OperationType; service: string }): R | null {
  const ofType = runbooks.filter((r) => r.type === operation.type);
  return ofType.find((r) => r.services?.includes(operation.service)) ?? ofType.find((r) => r.services === undefined) ?? null;
}
