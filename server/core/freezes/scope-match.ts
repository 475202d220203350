import type { ChangeScope } from "./types";
import type { OperationType } from "../operations/types";

/** What a scope is matched against: the operation's service, its owning team and tier (from the topology), and its type. */
export interface ScopeTarget {
  service: string;
  /** Null when the service is not in the topology: a scope naming teams then does not match. */
  team: string | null;
  tier: number | null;
  type: OperationType;
}

/**
 * Whether `scope` covers `target`: each non-empty list narrows one dimension
 * (any entry within a list matches), and all four empty covers every
 * operation (docs/freezes.md#scope, docs/approvals.md#which-policies-apply).
 */
export function scopeMatches(scope: ChangeScope, target: ScopeTarget): boolean {
  if (scope.services.length > 0 && !scope.services.includes(target.service)) return false;
  if (scope.teams.length > 0 && (target.team === null || !scope.teams.includes(target.team))) return false;
  if (scope.tiers.length > 0 && (target.tier === null || !scope.tiers.includes(target.tier))) return false;
  if (scope.types.length > 0 && !scope.types.includes(target.type)) return false;
  return true;
}
