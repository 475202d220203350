import { z } from "zod";
import { AppError } from "../errors";
import { MAX_TRAVERSAL_DEPTH } from "../graph/types";
import { CONFLICT_ACTIONS, CONFLICT_SEVERITIES, CONFLICT_TYPES, type ConflictAction, type ConflictSeverity, type ConflictType } from "./types";

export interface ConflictRule {
  enabled: boolean;
  severity: ConflictSeverity;
  action: ConflictAction;
}

export interface ConflictPolicy {
  /** Hops followed for DOWNSTREAM, UPSTREAM, CASCADE and blast radius (default 3, range 1–6: docs/conflicts.md#conflicts). */
  depth: number;
  /** TIMING fires for operations that finished less than this long ago. */
  timingWindowSeconds: number;
  rules: Record<ConflictType, ConflictRule>;
}

/** Where the policy is kept in the settings table. */
export const CONFLICT_POLICY_SETTING = "conflicts.policy";

/**
 * The defaults (docs/conflicts.md#conflicts). The original specification's
 * sample configuration fixed two rules and its troubleshooting advice implied a
 * third (it tells operators to lower DOWNSTREAM "from high to medium, from
 * pause_for_review to warn", so high/pause was its default). The rest are
 * chosen here, with why:
 */
export const DEFAULT_CONFLICT_POLICY: ConflictPolicy = {
  depth: 3,
  timingWindowSeconds: 300,
  rules: {
    // One change at a time per service, in line rather than refused: a second change
    // waits for the first instead of failing (docs/conflicts.md says why this departs
    // from the original "DIRECT blocks"). BLOCK and SUPERSEDE remain available.
    DIRECT: { enabled: true, severity: "CRITICAL", action: "QUEUE" },
    DEPENDENCY: { enabled: true, severity: "HIGH", action: "PAUSE_FOR_REVIEW" }, // as originally specified
    DOWNSTREAM: { enabled: true, severity: "HIGH", action: "PAUSE_FOR_REVIEW" }, // implied by the original troubleshooting advice (above)
    // The original specification lists it with DEPENDENCY in its HIGH example, and its troubleshooting
    // blames wrong resource groups for operations "blocked unnecessarily": a shared
    // database is the classic hidden coupling, so a human looks first.
    SHARED_RESOURCE: { enabled: true, severity: "HIGH", action: "PAUSE_FOR_REVIEW" },
    // The candidate changes something a running operation's service relies on. Real,
    // but the running operation's own verification catches a break, and the blast radius
    // weighs upstream lowest (0.3) in blast radius: record and warn.
    UPSTREAM: { enabled: true, severity: "MEDIUM", action: "WARN" },
    // No path joins the two services, only a common dependent: the weakest graph
    // signal, worth telling the operator, not worth stopping for.
    CASCADE: { enabled: true, severity: "MEDIUM", action: "WARN" },
    // Nothing overlaps except time; waiting out the window removes the conflict.
    TIMING: { enabled: true, severity: "LOW", action: "DELAY" },
  },
};

// The original specification writes `severity: critical`, `action: pause_for_review`: accept either case.
const upper = (value: unknown) => (typeof value === "string" ? value.toUpperCase() : value);
const ZSeverity = z.preprocess(upper, z.enum(CONFLICT_SEVERITIES, { message: `must be one of ${CONFLICT_SEVERITIES.join(", ")}` }));
const ZAction = z.preprocess(upper, z.enum(CONFLICT_ACTIONS, { message: `must be one of ${CONFLICT_ACTIONS.join(", ")}` }));

function upperKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key.toUpperCase(), v]));
}

const ZRuleInput = z.strictObject({ enabled: z.boolean().optional(), severity: ZSeverity.optional(), action: ZAction.optional() });

/**
 * A policy as an admin writes it: every field optional, missing ones taken from
 * the defaults, unknown keys refused (a misspelt type must not be silently ignored).
 */
export const ZConflictPolicyInput = z.strictObject({
  depth: z.number().int("must be a whole number").min(1, "must be at least 1").max(MAX_TRAVERSAL_DEPTH, `must be at most ${MAX_TRAVERSAL_DEPTH}`).optional(),
  timingWindowSeconds: z.number().int("must be a whole number").min(0, "must not be negative").max(86_400, "must be at most 86400 (a day)").optional(),
  rules: z
    .preprocess(
      upperKeys,
      z.strictObject({
        DIRECT: ZRuleInput.optional(),
        DEPENDENCY: ZRuleInput.optional(),
        DOWNSTREAM: ZRuleInput.optional(),
        UPSTREAM: ZRuleInput.optional(),
        SHARED_RESOURCE: ZRuleInput.optional(),
        CASCADE: ZRuleInput.optional(),
        TIMING: ZRuleInput.optional(),
      }),
    )
    .optional(),
});
export type ConflictPolicyInput = z.input<typeof ZConflictPolicyInput>;

/** Validates a policy and completes it from the defaults; throws VALIDATION_FAILED naming every bad field. */
export function parseConflictPolicy(input: unknown): ConflictPolicy {
  const result = ZConflictPolicyInput.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
    throw new AppError("VALIDATION_FAILED", `Invalid conflict policy: ${issues.map((i) => `${i.path || "(policy)"} ${i.message}`).join("; ")}`, { issues });
  }
  const value = result.data;
  const rules = { ...DEFAULT_CONFLICT_POLICY.rules };
  for (const type of CONFLICT_TYPES) {
    const given = value.rules?.[type];
    if (given) rules[type] = { ...rules[type], ...definedOnly(given) };
  }
  return {
    depth: value.depth ?? DEFAULT_CONFLICT_POLICY.depth,
    timingWindowSeconds: value.timingWindowSeconds ?? DEFAULT_CONFLICT_POLICY.timingWindowSeconds,
    rules,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
