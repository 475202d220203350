// What a matching rule does with one firing alert (docs/incidents.md#circuit-breaker):
// a pure function of the rule, how many remediations it already submitted for
// this incident and for this service in the last hour, and `now`.
import type { RemediationOutcome, RemediationRule } from "./types";

export interface RemediationCounts {
  /** Submissions of the rule for this incident (SUBMITTED or BREAKER_TRIPPED). */
  forIncident: number;
  /** Submissions of the rule for this service in the hour before now. */
  forServiceLastHour: number;
}

export interface RemediationDecision {
  outcome: RemediationOutcome;
  /** Submit the operation (SUBMITTED, BREAKER_TRIPPED). */
  submit: boolean;
  /** The submission asks for a person first (ASK, or the breaker tripped): why. */
  reviewRequired: string | null;
  /** Trip the breaker with this reason. */
  trip: string | null;
  reason: string;
}

export function decideRemediation(rule: Pick<RemediationRule, "name" | "mode" | "breaker" | "trippedAt" | "trippedReason">, counts: RemediationCounts): RemediationDecision {
  const { breaker } = rule;
  const over =
    counts.forIncident >= breaker.maxPerIncident
      ? `${counts.forIncident} remediation(s) already submitted for this incident (at most ${breaker.maxPerIncident})`
      : counts.forServiceLastHour >= breaker.maxPerHourPerService
        ? `${counts.forServiceLastHour} remediation(s) already submitted for this service in the last hour (at most ${breaker.maxPerHourPerService})`
        : null;
  if (rule.mode === "DRY_RUN") {
    return { outcome: "DRY_RUN", submit: false, reviewRequired: null, trip: null, reason: over ? `Dry run: would have tripped the breaker: ${over}` : "Dry run: recorded what would have been submitted" };
  }
  if (rule.trippedAt !== null) {
    return { outcome: "BREAKER_OPEN", submit: false, reviewRequired: null, trip: null, reason: `The rule's breaker is open since ${rule.trippedAt.toISOString()} (${rule.trippedReason ?? "tripped"}): nothing submitted until an admin resets it` };
  }
  if (over) {
    const why = `Remediation rule "${rule.name}" tripped its circuit breaker: ${over}. It submits nothing more until an admin resets it; this one waits for a person.`;
    return { outcome: "BREAKER_TRIPPED", submit: true, reviewRequired: why, trip: over, reason: why };
  }
  if (rule.mode === "ASK") {
    return { outcome: "SUBMITTED", submit: true, reviewRequired: `Remediation rule "${rule.name}" is in ask mode: a person approves each remediation`, trip: null, reason: "Submitted for a person's approval (ask mode)" };
  }
  return { outcome: "SUBMITTED", submit: true, reviewRequired: null, trip: null, reason: "Submitted (auto mode)" };
}
