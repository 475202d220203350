import { parseConflictPolicy, type ConflictPolicy } from "./policy";
import type { ConflictPolicyStore } from "./ports";

/**
 * Validates a policy (partial input is completed from the defaults) and stores
 * the complete result, so what is stored is exactly what is in force and a
 * later change of defaults does not silently change a saved policy.
 * VALIDATION_FAILED names every bad field and nothing is written.
 */
export async function updateConflictPolicy(deps: { policies: ConflictPolicyStore }, input: unknown, updatedBy: string): Promise<ConflictPolicy> {
  const policy = parseConflictPolicy(input);
  await deps.policies.write(policy, updatedBy);
  return policy;
}
