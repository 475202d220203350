import { z } from "zod";
import { AppError } from "../errors";
import { OPERATION_TYPES, type OperationType } from "../operations/types";
import { GATE_FAILURE_ACTIONS, SAFETY_GATES, type GateFailureAction, type SafetyGate } from "./types";

export interface GateRule {
  enabled: boolean;
  /**
   * The limit, in the gate's unit: ERROR_BUDGET and BLAST_RADIUS are maxima in
   * percent, RECENT_FAILURES and INCIDENT_RATE are per-hour counts that must
   * stay below it (RECENT_FAILURES also fails on more than 2 failures in a
   * row, whatever the threshold; docs/gates.md), COOLDOWN is the minimum seconds since the last change,
   * RESOURCE_CAPACITY the minimum headroom in percent.
   */
  threshold: number;
  onFailure: GateFailureAction;
  /** Operation types the gate checks; every other type is exempt (its result is skipped). */
  appliesTo: OperationType[];
}

export interface GateConfig {
  gates: Record<SafetyGate, GateRule>;
}

/** Where the configuration is kept in the settings table. */
export const GATE_CONFIG_SETTING = "gates.config";

/** Types that change production: every gate guards them. */
const CHANGES: OperationType[] = ["DEPLOYMENT", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"];
/**
 * A rollback is the remedy while errors run high, changes keep failing,
 * the service was just changed and incidents are open: exactly when
 * ERROR_BUDGET, RECENT_FAILURES, COOLDOWN and INCIDENT_RATE would stop it.
 * It still touches services (BLAST_RADIUS) and still restarts them
 * (RESOURCE_CAPACITY), so those keep guarding it. VERIFICATION only reads,
 * so no gate applies to it.
 */
const CHANGES_AND_ROLLBACK: OperationType[] = [...CHANGES, "ROLLBACK"];

/**
 * The original specification's thresholds and its human override (ERROR_BUDGET
 * and BLAST_RADIUS pause for a human; docs/gates.md). It says nothing of what
 * the other four do on failure; they block, because each is a condition that resolves itself (failures and
 * incidents age out of the hour, cooldown elapses, capacity returns) rather
 * than one a reviewer can judge away, and retrying later is the right answer.
 */
export const DEFAULT_GATE_CONFIG: GateConfig = {
  gates: {
    ERROR_BUDGET: { enabled: true, threshold: 2.0, onFailure: "PAUSE_FOR_REVIEW", appliesTo: [...CHANGES] },
    BLAST_RADIUS: { enabled: true, threshold: 20, onFailure: "PAUSE_FOR_REVIEW", appliesTo: [...CHANGES_AND_ROLLBACK] },
    RECENT_FAILURES: { enabled: true, threshold: 3, onFailure: "BLOCK", appliesTo: [...CHANGES] },
    COOLDOWN: { enabled: true, threshold: 300, onFailure: "BLOCK", appliesTo: [...CHANGES] },
    RESOURCE_CAPACITY: { enabled: true, threshold: 20, onFailure: "BLOCK", appliesTo: [...CHANGES_AND_ROLLBACK] },
    INCIDENT_RATE: { enabled: true, threshold: 5, onFailure: "BLOCK", appliesTo: [...CHANGES] },
  },
};

// The original specification writes `error_budget`, `pause_for_review`: accept either case.
const upper = (value: unknown) => (typeof value === "string" ? value.toUpperCase() : value);

function upperKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key.toUpperCase(), v]));
}

const ZOnFailure = z.preprocess(upper, z.enum(GATE_FAILURE_ACTIONS, { message: `must be one of ${GATE_FAILURE_ACTIONS.join(", ")}` }));
const ZOperationType = z.preprocess(upper, z.enum(OPERATION_TYPES, { message: `must be one of ${OPERATION_TYPES.join(", ")}` }));

const number = () => z.number({ message: "must be a number" });
const percent = number().min(0, "must not be negative").max(100, "must be at most 100");
// A count gate fails at `observed >= threshold`, so 0 would fail every operation:
// an admin who wants that gate out of the way disables it instead.
const perHour = number().int("must be a whole number").min(1, "must be at least 1 (disable the gate instead of 0)").max(10_000, "must be at most 10000");
const seconds = number().int("must be a whole number").min(0, "must not be negative").max(86_400, "must be at most 86400 (a day)");

const rule = (threshold: z.ZodType<number>) =>
  z.strictObject({
    enabled: z.boolean({ message: "must be true or false" }).optional(),
    threshold: threshold.optional(),
    onFailure: ZOnFailure.optional(),
    appliesTo: z.array(ZOperationType, { message: "must be a list of operation types" }).optional(),
  });

/**
 * A gate configuration as an admin writes it: every field optional, missing
 * ones taken from DEFAULT_GATE_CONFIG, unknown keys refused (a misspelt gate
 * must not be silently ignored).
 */
export const ZGateConfig = z.strictObject({
  gates: z
    .preprocess(
      upperKeys,
      z.strictObject({
        ERROR_BUDGET: rule(percent).optional(),
        BLAST_RADIUS: rule(percent).optional(),
        RECENT_FAILURES: rule(perHour).optional(),
        COOLDOWN: rule(seconds).optional(),
        RESOURCE_CAPACITY: rule(percent).optional(),
        INCIDENT_RATE: rule(perHour).optional(),
      }),
    )
    .optional(),
});
export type GateConfigInput = z.input<typeof ZGateConfig>;

/** Validates a configuration and completes it from the defaults; throws VALIDATION_FAILED naming every bad field. */
export function parseGateConfig(input: unknown): GateConfig {
  const result = ZGateConfig.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
    throw new AppError("VALIDATION_FAILED", `Invalid safety gate configuration: ${problems.map((p) => `${p.path || "(configuration)"} ${p.message}`).join("; ")}`, { problems });
  }
  const gates = structuredClone(DEFAULT_GATE_CONFIG.gates); // never hand out the defaults' own arrays
  for (const gate of SAFETY_GATES) {
    const given = result.data.gates?.[gate];
    if (!given) continue;
    const merged = { ...gates[gate], ...definedOnly(given) };
    // Stored in canonical order without repeats, so two equal configurations compare equal.
    gates[gate] = { ...merged, appliesTo: OPERATION_TYPES.filter((type) => merged.appliesTo.includes(type)) };
  }
  return { gates };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
