// Safety gates (docs/gates.md#the-gates): the six checks an operation passes after it holds its
// locks and before it changes anything (docs/gates.md). The names match the
// Prisma enum SafetyGate so a result is stored without translation.

export const SAFETY_GATES = ["ERROR_BUDGET", "BLAST_RADIUS", "RECENT_FAILURES", "COOLDOWN", "RESOURCE_CAPACITY", "INCIDENT_RATE"] as const;
export type SafetyGate = (typeof SAFETY_GATES)[number];

/**
 * The gates a result may be recorded for: the six threshold gates above, and
 * FREEZE — change freeze windows and halts (docs/freezes.md#the-freeze-gate),
 * which has no threshold and is not configured in gates.config.
 */
export const RECORDED_GATES = [...SAFETY_GATES, "FREEZE"] as const;
export type RecordedGate = (typeof RECORDED_GATES)[number];

/** What a failing gate does to the operation (docs/gates.md). */
export const GATE_FAILURE_ACTIONS = ["PAUSE_FOR_REVIEW", "BLOCK"] as const;
export type GateFailureAction = (typeof GATE_FAILURE_ACTIONS)[number];

/**
 * Where a gate's observed figure came from (docs/gates.md): Interlock's own
 * store (its operations and incidents), Prometheus, the simulated signal
 * source (never a measurement), the dependency graph, or the configuration
 * alone (a skipped gate).
 */
export const GATE_SOURCES = ["store", "prometheus", "simulated", "graph", "config"] as const;
export type GateSource = (typeof GATE_SOURCES)[number];

export interface GateResult {
  gate: RecordedGate;
  /** Where `observed` came from; absent on results recorded before sources were kept. */
  source?: GateSource;
  /** True for a gate that held, and for one that was skipped (exempt or disabled). */
  passed: boolean;
  /** The gate did not apply: disabled, or the operation type is exempt from it. */
  skipped: boolean;
  /**
   * The value compared with the threshold, in `unit`; null when there was
   * nothing to compare: signals unavailable, no previous change (COOLDOWN),
   * or a skipped gate.
   */
  observed: number | null;
  threshold: number;
  /** "%", "s", "failures/h", "incidents/h". */
  unit: string;
  /** One sentence with both figures, e.g. "Error budget exhausted: 2.5% > 2.0%". */
  reason: string;
}

export type GateDecision = "PASS" | "PAUSE_FOR_REVIEW" | "BLOCK";

export interface GateEvaluation {
  /** One result per gate, in SAFETY_GATES order. */
  results: GateResult[];
  /** BLOCK if any failing gate blocks, else PAUSE_FOR_REVIEW if any failing gate pauses, else PASS. */
  decision: GateDecision;
  /** Every gate that failed (skipped gates never fail). */
  failed: RecordedGate[];
  /** The failed gates whose onFailure is PAUSE_FOR_REVIEW. */
  pauseFor: RecordedGate[];
  /** The failed gates whose onFailure is BLOCK. */
  blockBy: RecordedGate[];
}
