import { AppError, isAppError } from "../errors";
import { CONFLICT_POLICY_SETTING, DEFAULT_CONFLICT_POLICY, parseConflictPolicy, type ConflictPolicy } from "./policy";
import type { ConflictPolicyStore } from "./ports";

/**
 * The policy in force: the stored one, or the defaults when none was saved.
 * A stored policy that no longer validates (edited by hand, or written by a
 * newer version) stops conflict checks with an error naming the setting,
 * instead of quietly falling back to defaults an admin deliberately changed:
 * a safety check fails closed.
 */
export async function getConflictPolicy(deps: { policies: ConflictPolicyStore }): Promise<ConflictPolicy> {
  const stored = await deps.policies.read();
  if (stored === null) return DEFAULT_CONFLICT_POLICY;
  try {
    return parseConflictPolicy(stored);
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw new AppError("INTERNAL", `The stored conflict policy (setting "${CONFLICT_POLICY_SETTING}") is invalid: ${error.message}`, error.details, { cause: error });
  }
}
