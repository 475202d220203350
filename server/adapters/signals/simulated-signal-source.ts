import "server-only";
import { systemClock, type Clock } from "../../core/clock";
import { AppError } from "../../core/errors";
import type { CanarySignals, CohortSignals, ServiceSignals, SignalSource } from "../../core/gates/ports";

// The embedded signal source (docs/gates.md): no metrics system, just figures
// that the demo, the failure-injection matrix and tests set. Deterministic on
// purpose: the same settings give the same answers, so an injected fault's
// outcome is measured, never a matter of luck. Its figures are not
// measurements, and the gates' reasons say "(simulated)" for them. The
// failure and incident counts the gates read come from the store instead
// (server/adapters/postgres/gate-history.ts), so they are real even here.

/** The figures a service reports; `service` and `at` are filled in on read. */
export type SignalValues = Omit<ServiceSignals, "service" | "at">;

/** A healthy estate (docs/gates.md's worked example): every signal gate passes with room to spare. */
export const HEALTHY_SIGNALS: Readonly<SignalValues> = Object.freeze({
  errorRatePct: 0.5,
  errorBudgetPct: 0.5,
  capacityHeadroomPct: 35,
  latencyP99Ms: 120,
});

/** Requests a canary's figures are based on, split between the cohorts by the traffic share. */
export const SIMULATED_CANARY_REQUESTS = 10_000;

export interface CanaryOverride {
  baseline?: Partial<CohortSignals>;
  canary?: Partial<CohortSignals>;
}

export interface SimulatedSignalSourceOptions {
  clock?: Clock;
  /** Estate-wide figures to start from (and return to on reset); HEALTHY_SIGNALS where unset. */
  defaults?: Partial<SignalValues>;
}

export class SimulatedSignalSource implements SignalSource {
  readonly kind = "simulated";
  private readonly clock: Clock;
  private readonly initialDefaults: SignalValues;
  private defaults: SignalValues;
  private readonly services = new Map<string, Partial<SignalValues>>();
  private readonly canaries = new Map<string, CanaryOverride>();
  private unavailable: string | null = null;

  constructor(options: SimulatedSignalSourceOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.initialDefaults = { ...HEALTHY_SIGNALS, ...definedOnly(options.defaults ?? {}) };
    this.defaults = { ...this.initialDefaults };
  }

  async serviceSignals(service: string): Promise<ServiceSignals> {
    this.failIfUnavailable();
    return { service, at: this.clock.now().toISOString(), ...this.valuesOf(service) };
  }

  /**
   * Both cohorts start from the service's own figures (a canary of a healthy
   * build looks like its baseline); setCanary overrides either side, which is
   * how the demo injects a bad build. Requests split by the traffic share.
   */
  async canarySignals(service: string, trafficPct: number): Promise<CanarySignals> {
    this.failIfUnavailable();
    if (!Number.isFinite(trafficPct) || trafficPct < 0 || trafficPct > 100) {
      throw new AppError("VALIDATION_FAILED", `Canary traffic must be a percentage from 0 to 100, not ${trafficPct}`, { trafficPct });
    }
    const values = this.valuesOf(service);
    const canaryRequests = Math.round((SIMULATED_CANARY_REQUESTS * trafficPct) / 100);
    const override = this.canaries.get(service) ?? {};
    return {
      service,
      at: this.clock.now().toISOString(),
      baseline: { errorRatePct: values.errorRatePct, latencyP99Ms: values.latencyP99Ms, requests: SIMULATED_CANARY_REQUESTS - canaryRequests, ...definedOnly(override.baseline ?? {}) },
      canary: { errorRatePct: values.errorRatePct, latencyP99Ms: values.latencyP99Ms, requests: canaryRequests, ...definedOnly(override.canary ?? {}) },
    };
  }

  /** Overrides some of one service's figures; later calls add to earlier ones. */
  set(service: string, values: Partial<SignalValues>): void {
    this.services.set(service, { ...this.services.get(service), ...definedOnly(values) });
  }

  /** Overrides one service's canary cohorts; later calls add to earlier ones. */
  setCanary(service: string, override: CanaryOverride): void {
    const current = this.canaries.get(service) ?? {};
    this.canaries.set(service, {
      baseline: { ...current.baseline, ...definedOnly(override.baseline ?? {}) },
      canary: { ...current.canary, ...definedOnly(override.canary ?? {}) },
    });
  }

  /** Changes the estate-wide figures every service without an override of its own reports. */
  setDefaults(values: Partial<SignalValues>): void {
    this.defaults = { ...this.defaults, ...definedOnly(values) };
  }

  /** Makes every read fail with UNAVAILABLE and this reason (an outage of the metrics system); null ends it. */
  setUnavailable(reason: string | null): void {
    this.unavailable = reason;
  }

  /** Back to the figures the source was built with: no overrides, available. */
  reset(): void {
    this.services.clear();
    this.canaries.clear();
    this.defaults = { ...this.initialDefaults };
    this.unavailable = null;
  }

  private valuesOf(service: string): SignalValues {
    return { ...this.defaults, ...this.services.get(service) };
  }

  private failIfUnavailable(): void {
    if (this.unavailable !== null) {
      throw new AppError("UNAVAILABLE", `Simulated signal source unavailable: ${this.unavailable}`, { source: this.kind, reason: this.unavailable });
    }
  }
}

// `{ errorRatePct: undefined }` must not erase a figure (exactOptionalPropertyTypes is not on).
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
