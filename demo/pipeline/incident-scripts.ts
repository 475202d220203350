// The injectable faults (docs/demo.md#the-sample-services): what production
// shows while each one lasts (the simulated telemetry and signal figures; the
// original demo specification's "Metrics Spikes: Scripted Failures") and what
// the patched build shows. Which line is at fault, which
// template fixes it and whether the fix works are left to the pipeline.
import { TYPICAL_FAULT_MESSAGES } from "./analysis/simulate-telemetry";
import type { IncidentScript } from "./run-self-healing";

/** The reference demo incident: payment-service, NullPointerException on user.email, 15 % errors at 2,000 requests/min. */
export const PAYMENT_NULL_POINTER: IncidentScript = {
  telemetry: {
    service: "payment-service",
    pattern: "NULL_POINTER_EXCEPTION",
    errorRatePct: 15.2,
    latencyP99Ms: 450,
    requestsPerMin: 2000,
    callers: ["user-service"],
    downstream: ["postgres_primary"],
    frame: { file: "src/payment-processor.ts", function: "processPayment" },
    message: "TypeError: Cannot read properties of null (reading 'email')",
  },
  // The original demo walkthrough's figures: baseline 15.2 %, canary 0.3 %; p95 450 → 420 ms (the sources report p99 and hold it to the same 500 ms SLO).
  faulty: { errorRatePct: 15.2, latencyP99Ms: 450 },
  patched: { errorRatePct: 0.3, latencyP99Ms: 420 },
  property: "email",
};

/** Matrix row 3: a null profile in user-service. */
export const USER_NULL_POINTER: IncidentScript = {
  telemetry: {
    service: "user-service",
    pattern: "NULL_POINTER_EXCEPTION",
    errorRatePct: 9.6,
    latencyP99Ms: 210,
    requestsPerMin: 3400,
    callers: ["api-gateway"],
    downstream: ["profile-service"],
    frame: { file: "src/profile-service.ts", function: "buildProfileSummary" },
    message: "TypeError: Cannot read properties of null (reading 'displayName')",
  },
  faulty: { errorRatePct: 9.6, latencyP99Ms: 210 },
  patched: { errorRatePct: 0.2, latencyP99Ms: 190 },
  property: "displayName",
};

/** Matrix row 2: a client timeout shorter than its upstream's p99. */
export const FULFILLMENT_TIMEOUT: IncidentScript = {
  telemetry: {
    service: "fulfillment-service",
    pattern: "UPSTREAM_TIMEOUT",
    errorRatePct: 1.4,
    latencyP99Ms: 2400,
    requestsPerMin: 900,
    callers: ["shipping-service"],
    downstream: ["inventory-service"],
    frame: { file: "src/inventory-client.ts", function: "reserveStock" },
    message: "UpstreamTimeoutError: inventory.reserve timed out after 800 ms",
  },
  faulty: { errorRatePct: 1.4, latencyP99Ms: 2400 },
  patched: { errorRatePct: 0.3, latencyP99Ms: 310 },
};

/** Matrix row 4: payment-service's connection pool to postgres_primary is exhausted. */
export const PAYMENT_POOL_EXHAUSTED: IncidentScript = {
  telemetry: {
    service: "payment-service",
    pattern: "CONNECTION_POOL_EXHAUSTED",
    errorRatePct: 8.4,
    latencyP99Ms: 480,
    poolUtilizationPct: 100,
    requestsPerMin: 2000,
    callers: ["order-service"],
    downstream: ["postgres_primary"],
    frame: { file: "src/db-pool.ts", function: "getConnection" },
    message: TYPICAL_FAULT_MESSAGES.CONNECTION_POOL_EXHAUSTED,
  },
  faulty: { errorRatePct: 8.4, latencyP99Ms: 480 },
  patched: { errorRatePct: 0.2, latencyP99Ms: 160 },
};

/** Transient resets from the warehouse: the retry template's fault (matrix row 10 ships a bad retry patch for it). */
export const INVENTORY_CONNECTION_RESETS: IncidentScript = {
  telemetry: {
    service: "inventory-service",
    pattern: "TRANSIENT_NETWORK_ERROR",
    errorRatePct: 4.1,
    latencyP99Ms: 260,
    requestsPerMin: 900,
    callers: ["order-service"],
    downstream: ["warehouse-service"],
    frame: { file: "src/warehouse-client.ts", function: "fetchStockLevel" },
    message: TYPICAL_FAULT_MESSAGES.TRANSIENT_NETWORK_ERROR,
  },
  faulty: { errorRatePct: 4.1, latencyP99Ms: 260 },
  patched: { errorRatePct: 0.2, latencyP99Ms: 270 },
};

/** Matrix row 19: an error no rule knows. */
export const PAYMENT_UNKNOWN_ERROR: IncidentScript = {
  telemetry: {
    service: "payment-service",
    pattern: "UNKNOWN",
    errorRatePct: 6.3,
    latencyP99Ms: 300,
    requestsPerMin: 2000,
    callers: ["order-service"],
    downstream: ["invoice-service"],
    frame: { file: "src/payment-processor.ts", function: "processPayment" },
    message: TYPICAL_FAULT_MESSAGES.UNKNOWN,
  },
  faulty: { errorRatePct: 6.3, latencyP99Ms: 300 },
  patched: { errorRatePct: 0.3, latencyP99Ms: 290 },
};
