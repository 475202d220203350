import { describe, expect, it } from "vitest";
import { AppError } from "../../../server/core/errors";
import { DEMO_TOPOLOGY } from "../../../server/core/topology/demo-topology";
import type { Criticality } from "../../../server/core/topology/types";
import type { Detection, LogEntry, SourceFrame, Telemetry } from "../types";
import { analyzeRootCause } from "./analyze-root-cause";
import { detectIncident } from "./detect-incident";
import { extractNullPropertyName, matchErrorPattern } from "./match-error-pattern";
import { changeSizeFactor, planFix } from "./plan-fix";
import { type FaultTelemetrySpec, simulateTelemetry, TYPICAL_FAULT_MESSAGES } from "./simulate-telemetry";

// A Wednesday, 03:00 UTC: off-peak, as the reference demo.
const OFF_PEAK = new Date("2026-03-11T03:00:00.000Z");
// The same Wednesday, 14:00 UTC: peak.
const PEAK = new Date("2026-03-11T14:00:00.000Z");

const PAYMENT_FRAME: SourceFrame = { file: "src/payment-processor.ts", function: "processPayment", line: 45 };

/** The reference demo incident: payment-service, NullPointerException, 15 % error rate, 2000 requests/min. */
const SEED_DEMO: FaultTelemetrySpec = {
  service: "payment-service",
  pattern: "NULL_POINTER_EXCEPTION",
  errorRatePct: 15,
  latencyP99Ms: 320,
  poolUtilizationPct: 45,
  requestsPerMin: 2000,
  callers: ["user-service"],
  downstream: ["postgres_primary"],
  frame: PAYMENT_FRAME,
  message: "TypeError: Cannot read properties of null (reading 'email')",
};

function criticalityOf(service: string): Criticality {
  const spec = DEMO_TOPOLOGY.services.find((s) => s.name === service);
  if (!spec) throw new Error(`${service} is not in the demo topology`);
  return spec.criticality;
}

function detect(telemetry: Telemetry, now = OFF_PEAK): Detection {
  const detection = detectIncident({ telemetry, now });
  if (!detection) throw new Error("expected an anomaly");
  return detection;
}

function detectionOf(overrides: Partial<Detection>): Detection {
  return {
    service: "payment-service",
    metric: "error_rate",
    value: 15,
    threshold: 2,
    unit: "%",
    windowMinutes: 5,
    breachingSamples: 4,
    pattern: "NULL_POINTER_EXCEPTION",
    confidence: 0.95,
    matchedBy: [],
    severity: "CRITICAL",
    frame: null,
    ...overrides,
  };
}

describe("simulateTelemetry", () => {
  it("builds a window of one sample a minute ending at now, healthy first, then the fault", () => {
    const telemetry = simulateTelemetry(SEED_DEMO, OFF_PEAK);
    expect(telemetry.service).toBe("payment-service");
    expect(telemetry.window).toHaveLength(5);
    expect(telemetry.window[4]!.at).toBe(OFF_PEAK.toISOString());
    expect(telemetry.window[0]!.at).toBe("2026-03-11T02:56:00.000Z");
    expect(telemetry.window[0]!.errorRatePct).toBeLessThan(2);
    for (const sample of telemetry.window.slice(1)) {
      expect(sample.errorRatePct).toBeGreaterThanOrEqual(14.25);
      expect(sample.errorRatePct).toBeLessThanOrEqual(15.75);
    }
    // Varied, not a flat line.
    expect(new Set(telemetry.window.slice(1).map((s) => s.errorRatePct)).size).toBeGreaterThan(1);
  });

  it("logs the exception with its frame among INFO noise, never after now", () => {
    const { logs } = simulateTelemetry(SEED_DEMO, OFF_PEAK);
    const errors = logs.filter((l) => l.level === "ERROR");
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.every((l) => l.message === SEED_DEMO.message && l.frame?.line === 45)).toBe(true);
    expect(logs.some((l) => l.level === "INFO")).toBe(true);
    expect(logs.every((l) => Date.parse(l.at) <= OFF_PEAK.getTime())).toBe(true);
  });

  it("traces requests along callers → service → downstream; errors are raised on the service and propagated by callers", () => {
    const { traces } = simulateTelemetry(SEED_DEMO, OFF_PEAK);
    const errorSpans = traces.filter((s) => s.status === "ERROR");
    const raised = errorSpans.filter((s) => s.service === "payment-service");
    expect(raised.length).toBe(3); // 15 % of 20 sampled traces
    expect(raised.every((s) => s.error === SEED_DEMO.message && s.frame?.file === PAYMENT_FRAME.file)).toBe(true);
    expect(errorSpans.filter((s) => s.service === "user-service").every((s) => s.frame === undefined)).toBe(true);
    expect(traces.some((s) => s.service === "postgres_primary" && s.status === "OK")).toBe(true);
    expect(new Set(traces.map((s) => s.traceId)).size).toBe(20);
  });

  it("refuses an impossible fault", () => {
    expect(() => simulateTelemetry({ ...SEED_DEMO, errorRatePct: 150 }, OFF_PEAK)).toThrow(AppError);
    expect(() => simulateTelemetry({ ...SEED_DEMO, windowMinutes: 0 }, OFF_PEAK)).toThrow(AppError);
  });
});

describe("the reference demo: payment-service null pointer at 15 %", () => {
  const telemetry = simulateTelemetry(SEED_DEMO, OFF_PEAK);
  const detection = detect(telemetry);

  it("detects error_rate around 15 % against 2 %, CRITICAL", () => {
    expect(detection.service).toBe("payment-service");
    expect(detection.metric).toBe("error_rate");
    expect(detection.value).toBeGreaterThan(14);
    expect(detection.value).toBeLessThan(16);
    expect(detection.threshold).toBe(2);
    expect(detection.unit).toBe("%");
    expect(detection.windowMinutes).toBe(5);
    expect(detection.breachingSamples).toBe(4);
    expect(detection.severity).toBe("CRITICAL");
  });

  it("matches NULL_POINTER_EXCEPTION with high confidence and the frame", () => {
    expect(detection.pattern).toBe("NULL_POINTER_EXCEPTION");
    expect(detection.confidence).toBeGreaterThanOrEqual(0.85);
    expect(detection.matchedBy).toEqual([SEED_DEMO.message]);
    expect(detection.frame).toEqual(PAYMENT_FRAME);
  });

  it("blames payment-service along user-service → payment-service → postgres_primary, verified by the topology", () => {
    const cause = analyzeRootCause({ detection, telemetry, topology: DEMO_TOPOLOGY });
    expect(cause.blamedService).toBe("payment-service");
    expect(cause.path).toEqual(["user-service", "payment-service", "postgres_primary"]);
    expect(cause.frame).toEqual(PAYMENT_FRAME);
    expect(cause.evidenceSpans).toBe(3);
    // Every trace votes for payment-service and every hop is in the graph.
    expect(cause.confidence).toBe(detection.confidence);
    expect(cause.chain[0]).toBe("user-service sends a request to payment-service (processPayment).");
    expect(cause.chain.join(" ")).toContain("src/payment-processor.ts:45 (processPayment) accesses .email without a null check.");
    expect(cause.chain.join(" ")).toContain("TypeError thrown");
    expect(cause.chain.some((s) => s.includes("unverified"))).toBe(false);
  });

  it("plans a canary deploy for the 3-line null check, off-peak and at peak (the demo must not depend on the hour)", () => {
    expect(criticalityOf("payment-service")).toBe("CRITICAL");
    const plan = planFix({ criticality: "CRITICAL", linesChanged: 4, detection, now: OFF_PEAK, patternConfidence: detection.confidence });
    expect(plan.strategy).toBe("CANARY_DEPLOY");
    expect(plan.factors).toEqual({ serviceCriticality: 0.75, changeSize: 0.301, errorSeverity: 1, timing: 0.2 });
    expect(plan.riskScore).toBe(0.61); // 0.3 + 0.0903 + 0.2 + 0.02
    expect(plan.reasons.join(" ")).toMatch(/criticality CRITICAL.*Change size of 4 lines.*Error severity.*off-peak/);
    const atPeak = planFix({ criticality: "CRITICAL", linesChanged: 4, detection, now: PEAK, patternConfidence: detection.confidence });
    expect(atPeak.riskScore).toBe(0.69); // 0.3 + 0.0903 + 0.2 + 0.1
    expect(atPeak.strategy).toBe("CANARY_DEPLOY");
  });
});

describe("detectIncident", () => {
  it("returns null for a healthy window", () => {
    const telemetry = simulateTelemetry({ ...SEED_DEMO, errorRatePct: 0.5, latencyP99Ms: 250, poolUtilizationPct: 40 }, OFF_PEAK);
    expect(detectIncident({ telemetry, now: OFF_PEAK })).toBeNull();
  });

  it("ignores a blip: fewer breaching samples than the minimum", () => {
    const telemetry = simulateTelemetry({ ...SEED_DEMO, windowMinutes: 3 }, OFF_PEAK); // 2 faulty minutes
    expect(detectIncident({ telemetry, now: OFF_PEAK })).toBeNull();
    expect(detectIncident({ telemetry, now: OFF_PEAK, thresholds: { maxErrorRatePct: 2, maxLatencyP99Ms: 500, maxPoolUtilizationPct: 95, minBreachingSamples: 2 } })?.metric).toBe("error_rate");
  });

  it("does not look at samples dated after now", () => {
    const telemetry = simulateTelemetry(SEED_DEMO, OFF_PEAK);
    expect(detectIncident({ telemetry, now: new Date(OFF_PEAK.getTime() - 3 * 60_000) })).toBeNull();
  });

  it("flags a latency fault as UPSTREAM_TIMEOUT on latency_p99", () => {
    const telemetry = simulateTelemetry(
      {
        service: "payment-service",
        pattern: "UPSTREAM_TIMEOUT",
        errorRatePct: 1.2,
        latencyP99Ms: 1800,
        requestsPerMin: 2000,
        callers: ["order-service"],
        downstream: ["invoice-service"],
        frame: { file: "src/invoice-client.ts", function: "requestInvoice", line: 22 },
        message: "TimeoutError: request to invoice-service timed out after 800ms",
      },
      OFF_PEAK,
    );
    const detection = detect(telemetry);
    expect(detection.metric).toBe("latency_p99");
    expect(detection.unit).toBe("ms");
    expect(detection.threshold).toBe(500);
    expect(detection.value).toBeGreaterThan(1700);
    expect(detection.severity).toBe("ERROR"); // 3.6 × the SLO: clear, not yet 4×
    expect(detection.pattern).toBe("UPSTREAM_TIMEOUT");
    expect(detection.confidence).toBeGreaterThanOrEqual(0.85);

    const cause = analyzeRootCause({ detection, telemetry, topology: DEMO_TOPOLOGY });
    expect(cause.blamedService).toBe("payment-service");
    expect(cause.path).toEqual(["order-service", "payment-service", "invoice-service"]);
    expect(cause.chain.join(" ")).toMatch(/payment-service calls invoice-service, which takes \d+ ms to answer/);

    const plan = planFix({ criticality: "CRITICAL", linesChanged: 2, detection, now: OFF_PEAK, patternConfidence: detection.confidence });
    expect(plan.factors.errorSeverity).toBe(0.5); // latency = MEDIUM
  });

  it("flags a saturated pool as CONNECTION_POOL_EXHAUSTED on pool_utilization", () => {
    const telemetry = simulateTelemetry(
      {
        service: "order-service",
        pattern: "CONNECTION_POOL_EXHAUSTED",
        errorRatePct: 1.5,
        latencyP99Ms: 420,
        poolUtilizationPct: 100,
        requestsPerMin: 1500,
        callers: ["api-gateway"],
        downstream: ["postgres_primary"],
        frame: { file: "src/db.ts", function: "withConnection", line: 12 },
        message: TYPICAL_FAULT_MESSAGES.CONNECTION_POOL_EXHAUSTED,
      },
      OFF_PEAK,
    );
    const detection = detect(telemetry);
    expect(detection.metric).toBe("pool_utilization");
    expect(detection.value).toBeGreaterThan(95);
    expect(detection.pattern).toBe("CONNECTION_POOL_EXHAUSTED");
    const cause = analyzeRootCause({ detection, telemetry, topology: DEMO_TOPOLOGY });
    expect(cause.blamedService).toBe("order-service");
    // A pool with no connection to give never reaches the database.
    expect(cause.path).toEqual(["api-gateway", "order-service"]);
  });

  it("calls a 3× error rate an ERROR and a barely breaching one a WARNING", () => {
    const error = detect(simulateTelemetry({ ...SEED_DEMO, errorRatePct: 6 }, OFF_PEAK));
    expect(error.severity).toBe("ERROR");
    const warning = detect(simulateTelemetry({ ...SEED_DEMO, errorRatePct: 3 }, OFF_PEAK));
    expect(warning.severity).toBe("WARNING");
  });

  it("refuses thresholds that cannot work", () => {
    const telemetry = simulateTelemetry(SEED_DEMO, OFF_PEAK);
    expect(() => detectIncident({ telemetry, now: OFF_PEAK, thresholds: { maxErrorRatePct: 2, maxLatencyP99Ms: 500, maxPoolUtilizationPct: 95, minBreachingSamples: 0 } })).toThrow(AppError);
  });
});

describe("matchErrorPattern", () => {
  const line = (message: string, level: LogEntry["level"] = "ERROR"): LogEntry => ({ at: "2026-03-11T03:00:00.000Z", service: "x", level, message });

  it("recognises each rule's messages", () => {
    const cases: [string, string][] = [
      ["java.lang.NullPointerException: Cannot invoke \"User.getEmail()\"", "NULL_POINTER_EXCEPTION"],
      ["TypeError: Cannot read properties of undefined (reading 'id')", "NULL_POINTER_EXCEPTION"],
      ["TypeError: Cannot read property 'id' of null", "NULL_POINTER_EXCEPTION"],
      ["Error: connect ETIMEDOUT 10.0.0.4:5432", "UPSTREAM_TIMEOUT"],
      ["grpc: deadline exceeded", "UPSTREAM_TIMEOUT"],
      ["Error: timeout exceeded when trying to connect", "CONNECTION_POOL_EXHAUSTED"],
      ["FATAL: sorry, too many clients already", "CONNECTION_POOL_EXHAUSTED"],
      ["FATAL: remaining connection slots are reserved for superuser", "CONNECTION_POOL_EXHAUSTED"],
      ["Error: socket hang up", "TRANSIENT_NETWORK_ERROR"],
      ["Error: write EPIPE", "TRANSIENT_NETWORK_ERROR"],
    ];
    for (const [message, pattern] of cases) {
      expect(matchErrorPattern([line(message), line(message), line(message)]).pattern, message).toBe(pattern);
    }
  });

  it("gives unfamiliar errors UNKNOWN with a confidence under 0.7, and no errors at all confidence 0", () => {
    const unknown = matchErrorPattern([line(TYPICAL_FAULT_MESSAGES.UNKNOWN), line(TYPICAL_FAULT_MESSAGES.UNKNOWN), line(TYPICAL_FAULT_MESSAGES.UNKNOWN)]);
    expect(unknown.pattern).toBe("UNKNOWN");
    expect(unknown.confidence).toBeLessThan(0.7);
    expect(matchErrorPattern([line("GET /health 200", "INFO")])).toEqual({ pattern: "UNKNOWN", confidence: 0, matchedBy: [], frame: null });
  });

  it("lowers confidence when only some error lines match, or too few do", () => {
    const npe = "TypeError: Cannot read properties of null (reading 'email')";
    expect(matchErrorPattern([line(npe), line(npe), line(npe), line(npe)]).confidence).toBe(0.95);
    expect(matchErrorPattern([line(npe), line(npe), line("weird"), line("odd")]).confidence).toBe(0.32); // 0.95 × 2/4 × 2/3
    expect(matchErrorPattern([line(npe)]).confidence).toBe(0.32); // one line is an anecdote
    expect(matchErrorPattern([line(npe), line(npe), line(npe), line("socket hang up", "WARN")]).confidence).toBe(0.95); // WARN lines do not count
  });

  it("extracts the property a null dereference read", () => {
    expect(extractNullPropertyName("TypeError: Cannot read properties of null (reading 'email')")).toBe("email");
    expect(extractNullPropertyName("TypeError: Cannot read property 'email' of undefined")).toBe("email");
    expect(extractNullPropertyName("AttributeError: 'NoneType' object has no attribute 'email'")).toBe("email");
    expect(extractNullPropertyName("Error: read ECONNRESET")).toBeNull();
  });
});

describe("an unfamiliar error", () => {
  const telemetry = simulateTelemetry({ ...SEED_DEMO, pattern: "UNKNOWN", message: TYPICAL_FAULT_MESSAGES.UNKNOWN }, OFF_PEAK);
  const detection = detect(telemetry);

  it("is detected as UNKNOWN with confidence under 0.7 and goes to a person whatever the score", () => {
    expect(detection.pattern).toBe("UNKNOWN");
    expect(detection.confidence).toBeLessThan(0.7);
    // A low-risk fix that the score alone would deploy directly.
    const plan = planFix({ criticality: "LOW", linesChanged: 1, detection: { ...detection, severity: "WARNING" }, now: OFF_PEAK, patternConfidence: detection.confidence });
    expect(plan.riskScore).toBeLessThanOrEqual(0.4);
    expect(plan.strategy).toBe("MANUAL_REVIEW");
    expect(plan.reasons.at(-1)).toMatch(/confidence 30% is below the 70% floor/);
  });

  it("still blames the service the traces show, with low confidence", () => {
    const cause = analyzeRootCause({ detection, telemetry, topology: DEMO_TOPOLOGY });
    expect(cause.blamedService).toBe("payment-service");
    expect(cause.confidence).toBeLessThan(0.7);
    expect(cause.chain.join(" ")).toContain("no known pattern explains");
  });
});

describe("analyzeRootCause", () => {
  it("blames the deeper service when the error originates downstream of the alerting one", () => {
    // payment-service alerts, but its failing requests fail in invoice-service.
    const alerting = simulateTelemetry(SEED_DEMO, OFF_PEAK);
    const deeper = simulateTelemetry(
      {
        ...SEED_DEMO,
        service: "invoice-service",
        callers: ["user-service", "payment-service"],
        downstream: [],
        frame: { file: "src/invoice-builder.ts", function: "buildInvoice", line: 31 },
        message: "TypeError: Cannot read properties of undefined (reading 'taxId')",
      },
      OFF_PEAK,
    );
    const telemetry: Telemetry = { ...alerting, traces: deeper.traces };
    const detection = detect(telemetry);
    expect(detection.service).toBe("payment-service");

    const cause = analyzeRootCause({ detection, telemetry, topology: DEMO_TOPOLOGY });
    expect(cause.blamedService).toBe("invoice-service");
    expect(cause.path).toEqual(["user-service", "payment-service", "invoice-service"]);
    expect(cause.frame).toEqual({ file: "src/invoice-builder.ts", function: "buildInvoice", line: 31 });
    expect(cause.chain.join(" ")).toContain("The anomaly shows on payment-service, which only passes on the failure from invoice-service.");
    expect(cause.chain.join(" ")).toContain("accesses .taxId without a null check");
  });

  it("lowers confidence for a path the dependency graph does not know", () => {
    // There is no search-service → payment-service edge in the demo topology.
    const telemetry = simulateTelemetry({ ...SEED_DEMO, callers: ["search-service"] }, OFF_PEAK);
    const detection = detect(telemetry);
    const cause = analyzeRootCause({ detection, telemetry, topology: DEMO_TOPOLOGY });
    expect(cause.blamedService).toBe("payment-service");
    expect(cause.confidence).toBe(Math.round(detection.confidence * 0.7 * 100) / 100);
    expect(cause.chain.at(-1)).toBe("The dependency graph has no search-service → payment-service edge, so this path is unverified.");
  });

  it("splits the vote between services by their error traces, a tie going to the deeper one", () => {
    const a = simulateTelemetry({ ...SEED_DEMO, errorRatePct: 10 }, OFF_PEAK); // 2 error traces on payment-service
    const b = simulateTelemetry({ ...SEED_DEMO, service: "invoice-service", callers: ["user-service", "payment-service"], downstream: [], errorRatePct: 10 }, OFF_PEAK);
    const traces = [...a.traces, ...b.traces];
    const detection = detectionOf({ confidence: 0.9 });
    const cause = analyzeRootCause({ detection, telemetry: { ...a, traces }, topology: DEMO_TOPOLOGY });
    expect(cause.blamedService).toBe("invoice-service");
    expect(cause.evidenceSpans).toBe(2);
    expect(cause.confidence).toBe(0.45); // 0.9 × 2/4 votes
  });

  it("blames the detection's service with lower confidence when no trace failed", () => {
    const telemetry = simulateTelemetry(SEED_DEMO, OFF_PEAK);
    const okOnly: Telemetry = { ...telemetry, traces: telemetry.traces.map((s) => ({ ...s, status: "OK" as const, error: undefined, frame: undefined })) };
    const detection = detectionOf({ confidence: 0.9, frame: PAYMENT_FRAME });
    const cause = analyzeRootCause({ detection, telemetry: okOnly, topology: DEMO_TOPOLOGY });
    expect(cause.blamedService).toBe("payment-service");
    expect(cause.path).toEqual(["user-service", "payment-service", "postgres_primary"]);
    expect(cause.evidenceSpans).toBe(0);
    expect(cause.confidence).toBe(0.45);
    expect(cause.frame).toEqual(PAYMENT_FRAME);
    expect(cause.chain[0]).toMatch(/^No trace shows a failed span/);
  });
});

describe("planFix", () => {
  it("maps 1 line to 0, 10 lines to 0.5 and 100 lines or more to 1", () => {
    expect(changeSizeFactor(0)).toBe(0);
    expect(changeSizeFactor(1)).toBe(0);
    expect(changeSizeFactor(10)).toBe(0.5);
    expect(changeSizeFactor(100)).toBe(1);
    expect(changeSizeFactor(5000)).toBe(1);
  });

  it("deploys directly at exactly 0.4", () => {
    // CRITICAL 0.75×0.4 + 1 line 0×0.3 + WARNING 0.4×0.2 + off-peak 0.2×0.1 = 0.3 + 0 + 0.08 + 0.02
    const plan = planFix({ criticality: "CRITICAL", linesChanged: 1, detection: detectionOf({ severity: "WARNING" }), now: OFF_PEAK, patternConfidence: 0.95 });
    expect(plan.riskScore).toBe(0.4);
    expect(plan.strategy).toBe("DIRECT_DEPLOY");
  });

  it("deploys by canary at exactly 0.7", () => {
    // CRITICAL 0.3 + 100 lines 0.3 + WARNING 0.08 + off-peak 0.02
    const plan = planFix({ criticality: "CRITICAL", linesChanged: 100, detection: detectionOf({ severity: "WARNING" }), now: OFF_PEAK, patternConfidence: 0.95 });
    expect(plan.riskScore).toBe(0.7);
    expect(plan.strategy).toBe("CANARY_DEPLOY");
  });

  it("sends a risky change to manual review", () => {
    const plan = planFix({ criticality: "CRITICAL", linesChanged: 100, detection: detectionOf({}), now: PEAK, patternConfidence: 0.95 });
    expect(plan.riskScore).toBe(0.9); // 0.3 + 0.3 + 0.2 + 0.1
    expect(plan.strategy).toBe("MANUAL_REVIEW");
    expect(plan.reasons.join(" ")).toContain("Wednesday 14:00 UTC is peak");
  });

  it("treats weekends as off-peak", () => {
    const saturdayNoon = new Date("2026-03-14T12:00:00.000Z");
    expect(planFix({ criticality: "LOW", linesChanged: 1, detection: detectionOf({}), now: saturdayNoon, patternConfidence: 0.95 }).factors.timing).toBe(0.2);
  });

  it("escalates below the confidence floor, and honours a custom floor", () => {
    const input = { criticality: "LOW" as const, linesChanged: 1, detection: detectionOf({ severity: "WARNING" }), now: OFF_PEAK, patternConfidence: 0.65 };
    expect(planFix(input).strategy).toBe("MANUAL_REVIEW");
    expect(planFix({ ...input, minConfidence: 0.6 }).strategy).toBe("DIRECT_DEPLOY");
  });

  it("refuses impossible input", () => {
    expect(() => planFix({ criticality: "LOW", linesChanged: -1, detection: detectionOf({}), now: OFF_PEAK, patternConfidence: 0.9 })).toThrow(AppError);
    expect(() => planFix({ criticality: "LOW", linesChanged: 1, detection: detectionOf({}), now: OFF_PEAK, patternConfidence: 1.5 })).toThrow(AppError);
  });
});

describe("determinism", () => {
  it("gives equal output for equal input at every stage", () => {
    const run = () => {
      const telemetry = simulateTelemetry(SEED_DEMO, OFF_PEAK);
      const detection = detect(telemetry);
      const cause = analyzeRootCause({ detection, telemetry, topology: DEMO_TOPOLOGY });
      const plan = planFix({ criticality: criticalityOf(cause.blamedService), linesChanged: 4, detection, now: OFF_PEAK, patternConfidence: detection.confidence });
      return { telemetry, detection, cause, plan };
    };
    expect(run()).toEqual(run());
  });

  it("varies with the service, not at random", () => {
    const a = simulateTelemetry(SEED_DEMO, OFF_PEAK);
    const b = simulateTelemetry({ ...SEED_DEMO, service: "order-service" }, OFF_PEAK);
    expect(a.window.map((s) => s.errorRatePct)).not.toEqual(b.window.map((s) => s.errorRatePct));
  });
});
