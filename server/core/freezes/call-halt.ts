// Stop the line (POST /api/v1/halts, the console's "Stop the line"): an
// approver or admin halts every new change, or those of a scope, with a
// reason and an owner (docs/freezes.md#stop-the-line). The halt and its audit
// event commit together; the event is told at ERROR through the normal
// routing once committed.
import type { AuditLog } from "../audit/audit-log";
import type { AuditRecord, JsonValue } from "../audit/types";
import type { Clock } from "../clock";
import { AppError } from "../errors";
import { hasRole, type Role } from "../identity/roles";
import { parseInput } from "../parse-input";
import { ZCallHaltInput } from "./halt-schemas";
import type { HaltStore, StoredHalt } from "./halt-store";
import type { ChangeScope } from "./types";

export interface HaltDeps {
  halts: HaltStore;
  audit: Pick<AuditLog, "appendInTransaction" | "committed">;
  clock: Clock;
  newId(): string;
}

export interface HaltCaller {
  actor: string;
  role: Role;
}

/** Calling and lifting halts are approvers' (docs/freezes.md#stop-the-line); the endpoint checks it too. */
export function assertMayHalt(by: HaltCaller, what: string): void {
  if (!hasRole(by.role, "APPROVER")) throw new AppError("FORBIDDEN", `Only an approver or an admin may ${what}`, { required: "APPROVER", role: by.role });
}

/**
 * The problems of a scope against what the topology knows: a service it does
 * not have, a team or a tier no service has. Pure. A halt on a typo would
 * hold back nothing while looking as if it did.
 */
export function scopeProblems(scope: Pick<ChangeScope, "services" | "teams" | "tiers">, known: { services: Set<string>; teams: Set<string>; tiers: Set<number> }): string[] {
  return [
    ...scope.services.filter((s) => !known.services.has(s)).map((s) => `scope.services: the topology has no service "${s}"`),
    ...scope.teams.filter((t) => !known.teams.has(t)).map((t) => `scope.teams: no service belongs to a team "${t}"`),
    ...scope.tiers.filter((t) => !known.tiers.has(t)).map((t) => `scope.tiers: no service is in tier ${t}`),
  ];
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];

/** The halt's fields as its audit events record them. */
export function haltPayload(halt: StoredHalt): { [key: string]: JsonValue } {
  return {
    haltId: halt.id,
    scope: halt.scope as unknown as JsonValue,
    action: halt.action,
    reason: halt.reason,
    owner: halt.owner,
    calledBy: halt.createdBy,
    since: halt.since.toISOString(),
    includesRollbacks: halt.includesRollbacks,
    breakGlassRole: halt.breakGlassRole,
  };
}

export async function callHalt(deps: HaltDeps, input: unknown, by: HaltCaller): Promise<StoredHalt> {
  assertMayHalt(by, "stop the line");
  const request = parseInput(ZCallHaltInput, input, "halt");
  const scope: ChangeScope = {
    services: unique(request.scope.services),
    teams: unique(request.scope.teams),
    tiers: unique(request.scope.tiers),
    types: unique(request.scope.types),
  };
  const problems = scopeProblems(scope, await deps.halts.knownScope(scope));
  if (problems.length > 0) throw new AppError("VALIDATION_FAILED", `Invalid halt: ${problems.join("; ")}`, { problems });
  const halt: StoredHalt = {
    id: deps.newId(),
    scope,
    action: request.action,
    reason: request.reason,
    owner: request.owner ?? by.actor,
    createdBy: by.actor,
    since: deps.clock.now(),
    includesRollbacks: request.includesRollbacks,
    breakGlassRole: request.breakGlassRole,
    source: "MANUAL",
    incidentId: null,
    liftedAt: null,
    liftedBy: null,
    liftReason: null,
  };
  let records: AuditRecord[] = [];
  await deps.halts.transact(async (tx) => {
    await deps.halts.insert(tx, halt);
    records = await deps.audit.appendInTransaction(tx, [
      {
        category: "MANUAL_INTERVENTION",
        // ERROR: told on every channel, PagerDuty included, never throttled (docs/freezes.md#who-is-told).
        severity: "ERROR",
        actor: by.actor,
        action: "halt.called",
        service: scope.services.length === 1 ? scope.services[0]! : null,
        correlationId: `halt-${halt.id}`,
        payload: haltPayload(halt),
      },
    ]);
  });
  deps.audit.committed(records);
  return halt;
}
