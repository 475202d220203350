// Remediation rules (docs/incidents.md#remediation-rules): "when this alert
// fires, submit this operation", under every safety control the orchestrator
// applies to any other submission.
import type { OperationType } from "../operations/types";

export const REMEDIATION_MODES = ["DRY_RUN", "AUTO", "ASK"] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

export const REMEDIATION_OUTCOMES = ["SUBMITTED", "DRY_RUN", "BREAKER_TRIPPED", "BREAKER_OPEN", "FAILED"] as const;
export type RemediationOutcome = (typeof REMEDIATION_OUTCOMES)[number];

export type RulePriority = "CRITICAL" | "HIGH" | "NORMAL" | "LOW";

export interface RuleMatch {
  alertname?: string;
  service?: string;
  severity?: string;
  labels?: Record<string, string>;
}

export interface RuleOperation {
  type: OperationType;
  params: Record<string, string | number | boolean>;
  priority?: RulePriority;
}

export interface RuleBreaker {
  maxPerIncident: number;
  maxPerHourPerService: number;
}

export interface RemediationRule {
  id: string;
  name: string;
  enabled: boolean;
  mode: RemediationMode;
  match: RuleMatch;
  operation: RuleOperation;
  breaker: RuleBreaker;
  trippedAt: Date | null;
  trippedReason: string | null;
  createdBy: string;
  createdAt: Date;
  updatedBy: string;
  updatedAt: Date;
}

export interface RemediationMatchRecord {
  id: string;
  ruleId: string;
  ruleName: string;
  incidentId: string;
  incidentKey: string;
  service: string;
  fingerprint: string;
  at: Date;
  mode: RemediationMode;
  outcome: RemediationOutcome;
  reason: string;
  submission: Record<string, unknown>;
  operationId: string | null;
}
