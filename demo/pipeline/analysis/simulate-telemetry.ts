// The observability data an incident is looked at through. It is simulated
// (docs/demo.md#what-is-real-and-what-is-simulated): synthetic metrics, sample log
// entries, mocked traces. This builds all three from a description of the
// fault, so that every later stage (detection, pattern matching, RCA) runs its
// real logic on data shaped like the real thing.
//
// Deterministic on purpose (no Math.random): the same fault and `now` always
// give the same telemetry, so a demo run can be replayed and a test can assert
// exact figures. Variation comes from a hash of the service and the position.
import { AppError } from "../../../server/core/errors";
import type { ErrorPattern, LogEntry, MetricSample, SourceFrame, Telemetry, TraceSpan } from "../types";

export interface FaultTelemetrySpec {
  service: string;
  pattern: ErrorPattern;
  /** The fault's error rate once it is in, in percent. */
  errorRatePct: number;
  latencyP99Ms: number;
  /** Connections in use once the fault is in; absent when the service has no pool (0). */
  poolUtilizationPct?: number;
  requestsPerMin: number;
  /** The request path before the service, caller first, e.g. ["user-service"]. */
  callers: string[];
  /** What the service calls on the request path, e.g. ["postgres_primary"]. */
  downstream?: string[];
  /** Where the exception is raised, as the stack trace names it. */
  frame: SourceFrame | null;
  /** The exception text, e.g. "TypeError: Cannot read properties of null (reading 'email')". */
  message: string;
  /** Default 5 (a 5-minute metric window, docs/demo.md#what-is-real-and-what-is-simulated). */
  windowMinutes?: number;
}

/**
 * The exception text a fault of each pattern typically logs, for callers that
 * script a fault without one of their own. UNKNOWN's is one no rule of the
 * pattern matcher recognises, so the pipeline has to escalate it.
 */
export const TYPICAL_FAULT_MESSAGES: Record<ErrorPattern, string> = {
  NULL_POINTER_EXCEPTION: "TypeError: Cannot read properties of null (reading 'email')",
  UPSTREAM_TIMEOUT: "TimeoutError: request to postgres_primary timed out after 800ms",
  CONNECTION_POOL_EXHAUSTED: "Error: timeout exceeded when trying to connect (pool: 20/20 in use)",
  TRANSIENT_NETWORK_ERROR: "Error: read ECONNRESET",
  UNKNOWN: "LedgerInvariantError: settlement total 1180.00 does not equal the sum of its entries 1200.00",
};

const DEFAULT_WINDOW_MINUTES = 5;
const MAX_WINDOW_MINUTES = 60;
/** Traces sampled per window; error traces are a share of these (see errorTraceCount). */
const TRACES_PER_WINDOW = 20;
/** Enough error traces for the RCA to vote on, never so many that OK traces vanish. */
const MIN_ERROR_TRACES = 2;
const MAX_ERROR_TRACES = 8;
const ERROR_LOG_LINES = 6;
/** The minute before the fault ramps in: what the service looked like while healthy. */
const HEALTHY = { errorRatePct: 0.4, latencyP99Ms: 220, poolUtilizationPct: 40 } as const;
/** Relative spread of the fault's figures from one minute to the next. */
const SPREAD = { errorRatePct: 0.05, latencyP99Ms: 0.05, poolUtilizationPct: 0.02, requestsPerMin: 0.03 } as const;

/** The metric window, the service's logs and a sample of traces for one fault, as of `now`. */
export function simulateTelemetry(fault: FaultTelemetrySpec, now: Date): Telemetry {
  assertValidFault(fault, now);
  const minutes = fault.windowMinutes ?? DEFAULT_WINDOW_MINUTES;
  const window = simulateWindow(fault, minutes, now);
  return {
    service: fault.service,
    window,
    logs: simulateLogs(fault, window),
    traces: simulateTraces(fault),
  };
}

function assertValidFault(fault: FaultTelemetrySpec, now: Date): void {
  const problems: string[] = [];
  if (fault.service.trim() === "") problems.push("service is empty");
  if (!(fault.errorRatePct >= 0 && fault.errorRatePct <= 100)) problems.push("errorRatePct must be within 0..100");
  if (!(fault.latencyP99Ms > 0)) problems.push("latencyP99Ms must be positive");
  if (fault.poolUtilizationPct !== undefined && !(fault.poolUtilizationPct >= 0 && fault.poolUtilizationPct <= 100)) problems.push("poolUtilizationPct must be within 0..100");
  if (!(fault.requestsPerMin >= 0)) problems.push("requestsPerMin must not be negative");
  const minutes = fault.windowMinutes ?? DEFAULT_WINDOW_MINUTES;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_WINDOW_MINUTES) problems.push(`windowMinutes must be an integer within 1..${MAX_WINDOW_MINUTES}`);
  if (Number.isNaN(now.getTime())) problems.push("now is not a valid date");
  if (problems.length > 0) throw new AppError("VALIDATION_FAILED", `Cannot simulate telemetry: ${problems.join("; ")}`, { problems });
}

// One sample per minute, the last one at `now`. The first sample is the healthy
// minute before the fault (a window that starts mid-incident would hide when it
// began); a one-minute window has no room for that and is all fault.
function simulateWindow(fault: FaultTelemetrySpec, minutes: number, now: Date): MetricSample[] {
  const pool = fault.poolUtilizationPct ?? 0;
  return Array.from({ length: minutes }, (_, i) => {
    const at = new Date(now.getTime() - (minutes - 1 - i) * 60_000).toISOString();
    const key = `${fault.service}:${i}`;
    const requestsPerMin = Math.round(vary(fault.requestsPerMin, SPREAD.requestsPerMin, `${key}:rpm`));
    if (i === 0 && minutes > 1) {
      return {
        at,
        errorRatePct: Math.min(fault.errorRatePct, HEALTHY.errorRatePct),
        latencyP99Ms: Math.min(fault.latencyP99Ms, HEALTHY.latencyP99Ms),
        requestsPerMin,
        poolUtilizationPct: Math.min(pool, HEALTHY.poolUtilizationPct),
      };
    }
    return {
      at,
      errorRatePct: round1(clamp(vary(fault.errorRatePct, SPREAD.errorRatePct, `${key}:err`), 0, 100)),
      latencyP99Ms: Math.round(vary(fault.latencyP99Ms, SPREAD.latencyP99Ms, `${key}:p99`)),
      requestsPerMin,
      poolUtilizationPct: round1(clamp(vary(pool, SPREAD.poolUtilizationPct, `${key}:pool`), 0, 100)),
    };
  });
}

// The exception a handful of times over the faulty minutes, among the INFO
// lines a service writes anyway (a matcher that only ever sees error lines is
// not tested on anything). A sample stands for the minute that ends at its
// timestamp, so its lines are dated just before it and none is after `now`.
function simulateLogs(fault: FaultTelemetrySpec, window: MetricSample[]): LogEntry[] {
  const faulty = window.length > 1 ? window.slice(1) : window;
  const logs: LogEntry[] = [];
  for (let k = 0; k < ERROR_LOG_LINES; k++) {
    const minute = faulty[k % faulty.length]!;
    const entry: LogEntry = { at: offset(minute.at, -(5 + k * 7)), service: fault.service, level: "ERROR", message: fault.message };
    if (fault.frame) entry.frame = { ...fault.frame };
    logs.push(entry);
  }
  window.forEach((minute, i) => {
    logs.push({ at: offset(minute.at, -1), service: fault.service, level: "INFO", message: `GET /health 200 (${2 + Math.floor(unit(`${fault.service}:${i}:health`) * 4)}ms)` });
    logs.push({ at: offset(minute.at, -30), service: fault.service, level: "INFO", message: `handled ${minute.requestsPerMin} requests in the last minute` });
  });
  return logs.sort((a, b) => a.at.localeCompare(b.at));
}

// Each trace follows callers → service → downstream. In an error trace the
// exception is raised on the service's span (with its frame) and the callers'
// spans fail only because their callee did: the RCA has to tell the origin of
// a failure from the spans that merely propagate it.
function simulateTraces(fault: FaultTelemetrySpec): TraceSpan[] {
  const errors = errorTraceCount(fault.errorRatePct);
  const spans: TraceSpan[] = [];
  for (let i = 0; i < TRACES_PER_WINDOW; i++) {
    // Spread the error traces through the sample instead of bunching them first:
    // exactly `errors` of the TRACES_PER_WINDOW indices satisfy this.
    const failing = (i * errors) % TRACES_PER_WINDOW < errors;
    spans.push(...simulateTrace(fault, i, failing));
  }
  return spans;
}

function errorTraceCount(errorRatePct: number): number {
  return clamp(Math.round((errorRatePct / 100) * TRACES_PER_WINDOW), MIN_ERROR_TRACES, MAX_ERROR_TRACES);
}

function simulateTrace(fault: FaultTelemetrySpec, index: number, failing: boolean): TraceSpan[] {
  const key = `${fault.service}:trace:${index}`;
  const traceId = hex8(`${key}:a`) + hex8(`${key}:b`);
  // A pool that has no connection to give never reaches the database.
  const downstream = failing && fault.pattern === "CONNECTION_POOL_EXHAUSTED" ? [] : (fault.downstream ?? []);
  const path = [...fault.callers, fault.service, ...downstream];
  const serviceDepth = fault.callers.length;

  // Durations are built from the leaf up: a parent's span lasts as long as its
  // child's plus its own work.
  const durations: number[] = new Array<number>(path.length).fill(0);
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const child = durations[depth + 1] ?? 0;
    const own = ownDuration(fault, depth - serviceDepth, failing, `${key}:${depth}`);
    durations[depth] = child + own;
  }

  const statusCode = fault.pattern === "UPSTREAM_TIMEOUT" ? 504 : 500;
  return path.map((service, depth): TraceSpan => {
    const span: TraceSpan = {
      traceId,
      spanId: hex8(`${traceId}:${depth}`),
      parentSpanId: depth === 0 ? null : hex8(`${traceId}:${depth - 1}`),
      service,
      operation: operationOf(fault, path, depth),
      status: "OK",
      durationMs: Math.round(durations[depth]!),
    };
    if (failing && depth < serviceDepth) {
      span.status = "ERROR";
      span.error = `${path[depth + 1]} answered ${statusCode}`;
    } else if (failing && depth === serviceDepth) {
      span.status = "ERROR";
      span.error = fault.message;
      if (fault.frame) span.frame = { ...fault.frame };
    }
    return span;
  });
}

/** A span's own work in ms; `relative` is its depth relative to the faulty service (negative: a caller). */
function ownDuration(fault: FaultTelemetrySpec, relative: number, failing: boolean, key: string): number {
  const u = unit(key);
  if (relative < 0) return 5 + u * 15; // a caller: routing and serialisation
  if (relative > 0) {
    // A dependency; in a timeout it is the slow part, answering around the p99.
    return failing && fault.pattern === "UPSTREAM_TIMEOUT" ? fault.latencyP99Ms * (0.95 + u * 0.1) : 10 + u * 20;
  }
  if (!failing) return 60 + u * 80;
  switch (fault.pattern) {
    case "UPSTREAM_TIMEOUT":
      return 5 + u * 10; // its time is the dependency's, counted in the child
    case "CONNECTION_POOL_EXHAUSTED":
      return fault.latencyP99Ms * (0.9 + u * 0.1); // waiting for a connection until the acquire timeout
    default:
      return 20 + u * 20; // an exception fails the request fast
  }
}

function operationOf(fault: FaultTelemetrySpec, path: string[], depth: number): string {
  const service = path[depth]!;
  if (service === fault.service) return fault.frame?.function ?? "handle_request";
  if (depth < fault.callers.length) return `call ${path[depth + 1]}`;
  return `serve ${path[depth - 1]}`;
}

// ---- deterministic variation ------------------------------------------------

/** FNV-1a, 32 bits: a stable, well-spread hash of a short key. */
function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A number in [0, 1) that depends only on the key. */
function unit(key: string): number {
  return hash32(key) / 0x1_0000_0000;
}

function hex8(key: string): string {
  return hash32(key).toString(16).padStart(8, "0");
}

/** `value` moved by at most ±spread (relative), by the key's hash. */
function vary(value: number, spread: number, key: string): number {
  return value * (1 + spread * (unit(key) * 2 - 1));
}

function offset(iso: string, seconds: number): string {
  return new Date(new Date(iso).getTime() + seconds * 1000).toISOString();
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
