// Where the safety gates and the executors read production's signals (C5).
// The simulated source is the embedded default (and what the demo and tests
// set); the Prometheus adapter runs configured PromQL in production.

/** One service's health as the gates need it, read at `at`. */
export interface ServiceSignals {
  service: string;
  /** When the values were read (ISO-8601). */
  at: string;
  /** Failing requests as a percentage of all requests, over the source's window. */
  errorRatePct: number;
  /**
   * What the ERROR_BUDGET gate compares with its threshold (seed 000: "Error
   * Budget: 0.5% < 2.0%"): the error rate measured against the SLO window, in percent.
   */
  errorBudgetPct: number;
  /** Spare capacity (CPU/memory/connections, whichever is tightest), percent. */
  capacityHeadroomPct: number;
  /** Incidents opened in the last hour, across the estate. */
  incidentsLastHour: number;
  /** Failed or rolled-back changes to this service in the last hour. */
  failuresLastHour: number;
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
  /** Human-readable kind for logs and the console ("simulated", "prometheus"). */
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
