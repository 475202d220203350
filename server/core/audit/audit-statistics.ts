import type { AuditCounts, AuditStore } from "./ports";
import type { VerificationResult } from "./types";
import { VERIFICATION_ACTION, verificationOf } from "./verify-and-record";

export interface AuditStatistics extends AuditCounts {
  /**
   * Events per hour, averaged over the time since the first event. A log younger
   * than an hour is divided by one hour, so this is then simply its events so far:
   * a burst in the first minutes is never extrapolated to an hourly rate.
   */
  eventsPerHour: number;
  /** The last recorded verification's verdict, or null when none has run. */
  hashChainValid: boolean | null;
  lastVerification: VerificationResult | null;
}

/** The audit statistics: totals by category and severity, rate, distinct actors and services, chain validity. */
export function summariseAudit(counts: AuditCounts, lastVerification: VerificationResult | null, now: Date): AuditStatistics {
  const hours = counts.firstAt ? Math.max((now.getTime() - Date.parse(counts.firstAt)) / 3_600_000, 1) : 0;
  return {
    ...counts,
    eventsPerHour: hours > 0 ? Math.round((counts.total / hours) * 10) / 10 : 0,
    hashChainValid: lastVerification ? lastVerification.valid : null,
    lastVerification,
  };
}

/** Statistics with the verdict of the last verification recorded in the log itself. */
export async function auditStatistics(deps: { store: AuditStore; now: Date }): Promise<AuditStatistics> {
  const [counts, last] = await Promise.all([deps.store.counts(), deps.store.query({ action: VERIFICATION_ACTION, limit: 1 })]);
  const event = last.events[0];
  return summariseAudit(counts, event ? verificationOf(event.payload) : null, deps.now);
}
