import type { AuditCounts, AuditStore } from "./ports";
import type { VerificationResult } from "./types";

export interface AuditStatistics extends AuditCounts {
  /** Events per hour since the first event (the seed's events_per_hour). */
  eventsPerHour: number;
  /** The last verification's verdict, or null when none has run in this process. */
  hashChainValid: boolean | null;
  lastVerification: VerificationResult | null;
}

/** The seed's statistics: totals by category and severity, rate, distinct actors and services, chain validity. */
export function summariseAudit(counts: AuditCounts, lastVerification: VerificationResult | null, now: Date): AuditStatistics {
  const hours = counts.firstAt ? Math.max((now.getTime() - Date.parse(counts.firstAt)) / 3_600_000, 1 / 60) : 0;
  return {
    ...counts,
    eventsPerHour: hours > 0 ? Math.round((counts.total / hours) * 10) / 10 : 0,
    hashChainValid: lastVerification ? lastVerification.valid : null,
    lastVerification,
  };
}

export async function auditStatistics(deps: { store: AuditStore; lastVerification: VerificationResult | null; now: Date }): Promise<AuditStatistics> {
  return summariseAudit(await deps.store.counts(), deps.lastVerification, deps.now);
}
