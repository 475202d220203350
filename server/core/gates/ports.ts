// What the safety gates read (docs/gates.md): production's signals (error
// budget, capacity; the executors read latency and canaries) from the signal
// source, simulated by default and Prometheus in production; and the
// service's change and incident history from Interlock's own store.

/** One service's health as the gates need it, read at `at`. */
export interface ServiceSignals {
  service: string;
  /** When the values were read (ISO-8601). */
  at: string;
  /** Failing requests as a percentage of all requests, over the source's window. */
  errorRatePct: number;
  /**
   * What the ERROR_BUDGET gate compares with its threshold (docs/gates.md:
   * "Error budget within limit: 0.5% <= 2.0%"): the error rate measured against the SLO window, in percent.
   */
  errorBudgetPct: number;
  /** Spare capacity (CPU/memory/connections, whichever is tightest), percent. */
  capacityHeadroomPct: number;
  /** 99th percentile latency in milliseconds. */
  latencyP99Ms: number;
}

/** Error rate and latency of one cohort during a canary (baseline = old version, canary = new). */
export interface CohortSignals {
  errorRatePct: number;
  latencyP99Ms: number;
  /** Requests the figures are based on (0 when the source cannot tell). */
  requests: number;
}

export interface CanarySignals {
  service: string;
  at: string;
  baseline: CohortSignals;
  canary: CohortSignals;
}

export interface SignalSource {
  /**
   * Human-readable kind for logs and the console ("simulated", "prometheus").
   * The gates label a figure "prometheus" only from a source of that kind;
   * any other kind is reported as "simulated", never as a measurement.
   */
  readonly kind: string;
  /** Current signals of one service. Throws AppError("UNAVAILABLE") when the source cannot answer. */
  serviceSignals(service: string): Promise<ServiceSignals>;
  /**
   * Baseline-versus-canary figures while `service` runs a canary at
   * `trafficPct` percent of traffic. Throws AppError("UNAVAILABLE") when the
   * source cannot answer.
   */
  canarySignals(service: string, trafficPct: number): Promise<CanarySignals>;
}

/** The window RECENT_FAILURES and INCIDENT_RATE count over: an hour (their thresholds are per hour). */
export const GATE_HISTORY_WINDOW_MS = 60 * 60 * 1000;

/** One service's recent history as the gates need it, read from Interlock's own store at `now`. */
export interface ServiceHistory {
  /**
   * Changes to the service (any type but VERIFICATION) that ran (they were
   * started) and ended FAILED or ROLLED_BACK, finished within the window.
   * A change refused before it ran (a conflict, a gate, a lock timeout)
   * changed nothing and does not count.
   */
  failures: number;
  /**
   * How many of the service's most recently finished changes that ran failed
   * in a row (FAILED or ROLLED_BACK), newest first, however old; any other
   * ending (COMPLETED, CANCELLED) ends the run. Counted among a bounded
   * number of the latest changes (docs/gates.md), so a very long run reads
   * as at least that many.
   */
  consecutiveFailures: number;
  /** Incidents opened (detected) within the window, across the whole estate. */
  incidents: number;
  /**
   * When the last change to the service (not a VERIFICATION) that ended
   * COMPLETED or ROLLED_BACK finished, other than the operation being
   * checked; null when there was none.
   */
  lastChangeFinishedAt: Date | null;
}

/** Reads a service's history for the gates; implemented over the store (server/adapters/postgres/gate-history.ts). */
export interface GateHistory {
  /**
   * The history of `service` as of `now`: the counts over the window
   * [now − windowMs, now], both ends included; the run of failures and the
   * last change however old (a change stamped after `now` by a replica whose
   * clock runs ahead is the last change, and COOLDOWN counts it as just
   * finished). The operation `excludeOperationId`, the one being checked, is
   * left out.
   */
  read(service: string, excludeOperationId: string, now: Date, windowMs: number): Promise<ServiceHistory>;
}
