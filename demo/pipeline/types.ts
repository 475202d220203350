// The self-healing demo (docs/demo.md): the vocabulary shared by its stages.
// Telemetry is simulated (docs/demo.md#what-is-real-and-what-is-simulated:
// metrics, logs and traces are synthetic); every decision taken on it is real logic.

/** One point of a metric window (5 minutes by default, docs/demo.md#what-is-real-and-what-is-simulated). */
export interface MetricSample {
  /** ISO-8601. */
  at: string;
  errorRatePct: number;
  latencyP99Ms: number;
  requestsPerMin: number;
  /** Connections in use as a percentage of the pool (0 when the service has no pool). */
  poolUtilizationPct: number;
}

/** Where in the source an error was raised, as a stack frame names it. */
export interface SourceFrame {
  /** Path relative to the service's source root, e.g. "src/payment-processor.ts". */
  file: string;
  function: string;
  /** 1-based; absent when the frame did not say (the localizer finds it). */
  line?: number;
}

export interface LogEntry {
  at: string;
  service: string;
  level: "ERROR" | "WARN" | "INFO";
  message: string;
  frame?: SourceFrame;
}

/** One span of a (mocked) distributed trace. */
export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  operation: string;
  status: "OK" | "ERROR";
  durationMs: number;
  error?: string;
  frame?: SourceFrame;
}

/** What the observability layer holds about one service when an incident is looked at. */
export interface Telemetry {
  service: string;
  window: MetricSample[];
  logs: LogEntry[];
  traces: TraceSpan[];
}

/** The fault patterns the detector knows, and the fix template each one calls for. */
export const ERROR_PATTERNS = ["NULL_POINTER_EXCEPTION", "UPSTREAM_TIMEOUT", "CONNECTION_POOL_EXHAUSTED", "TRANSIENT_NETWORK_ERROR", "UNKNOWN"] as const;
export type ErrorPattern = (typeof ERROR_PATTERNS)[number];

export const PATCH_TEMPLATES = ["add_null_check", "increase_timeout", "add_retry", "increase_pool_size"] as const;
export type PatchTemplate = (typeof PATCH_TEMPLATES)[number];

export interface DetectionThresholds {
  /** Default 2 % (the reference scenario's 15 % is well above it: docs/demo.md#the-reference-scenario). */
  maxErrorRatePct: number;
  /** The latency SLO, 500 ms (docs/specification.md#executors-and-the-canary). */
  maxLatencyP99Ms: number;
  maxPoolUtilizationPct: number;
  /** Samples of the window that must breach before it is an anomaly, not a blip. */
  minBreachingSamples: number;
}

export const DEFAULT_DETECTION_THRESHOLDS: DetectionThresholds = { maxErrorRatePct: 2, maxLatencyP99Ms: 500, maxPoolUtilizationPct: 95, minBreachingSamples: 3 };

/** Stage 1: an anomaly on a metric window, and the error pattern the logs match. */
export interface Detection {
  service: string;
  metric: "error_rate" | "latency_p99" | "pool_utilization";
  /** The figure over the breaching samples (their mean), in the metric's unit. */
  value: number;
  threshold: number;
  unit: "%" | "ms";
  windowMinutes: number;
  breachingSamples: number;
  pattern: ErrorPattern;
  /** 0..1: how sure the pattern matcher is. Below the planner's floor a person decides (failure matrix row 19). */
  confidence: number;
  /** The log lines that matched, for the evidence. */
  matchedBy: string[];
  severity: "WARNING" | "ERROR" | "CRITICAL";
  /** The frame the matching logs point at, if any. */
  frame: SourceFrame | null;
}

/** Stage 2: the causal chain through the dependency graph and the traces. */
export interface RootCause {
  blamedService: string;
  /** Services on the failing request path, caller first (the original specification's example: "user-service → payment-service → postgres_primary"). */
  path: string[];
  /** Sentences, in order (the causal chain of root cause analysis, docs/demo.md#what-is-real-and-what-is-simulated). */
  chain: string[];
  frame: SourceFrame | null;
  confidence: number;
  /** Error spans that support the conclusion. */
  evidenceSpans: number;
}

/** Stage 3: the line of source the fault comes from, found with a real parser. */
export interface CodeLocation {
  file: string;
  function: string;
  line: number;
  /** The offending expression or setting, e.g. "user.email" or "timeoutMs: 800". */
  expression: string;
  /** What the AST analysis found, e.g. "property access on a value that may be null, with no null check". */
  finding: string;
  /** Numbered source lines around `line`, for the console and the CLI. */
  snippet: { line: number; text: string }[];
  template: PatchTemplate;
}

/** Stage 5: a patch as a unified diff, checked to parse. */
export interface GeneratedPatch {
  template: PatchTemplate;
  file: string;
  diff: string;
  patchedSource: string;
  linesAdded: number;
  linesRemoved: number;
  /** True when the patched file parses with no syntax errors. */
  syntaxValid: boolean;
  diagnostics: string[];
}

export const FIX_STRATEGIES = ["DIRECT_DEPLOY", "CANARY_DEPLOY", "MANUAL_REVIEW"] as const;
export type FixStrategy = (typeof FIX_STRATEGIES)[number];

/** Fix planning: the risk score and the strategy it picks (docs/demo.md#what-is-real-and-what-is-simulated). */
export interface FixPlan {
  riskScore: number;
  factors: { serviceCriticality: number; changeSize: number; errorSeverity: number; timing: number };
  strategy: FixStrategy;
  /** Why, in one or two sentences (including a low-confidence escalation). */
  reasons: string[];
}
