// What remediation rules need from the store (docs/incidents.md#remediation-rules).
// Writes happen in the caller's transaction, with their audit events.
import type { StoreTransaction } from "../audit/ports";
import type { RemediationCounts } from "./decide-remediation";
import type { RemediationMatchRecord, RemediationOutcome, RemediationRule } from "./types";

export type NewRule = Omit<RemediationRule, "trippedAt" | "trippedReason" | "createdAt" | "updatedAt"> & { at: Date };
export type RuleChanges = Partial<Pick<RemediationRule, "name" | "enabled" | "mode" | "match" | "operation" | "breaker">> & { resetBreaker?: boolean };

export interface RemediationStore {
  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  listRules(): Promise<RemediationRule[]>;
  /** Enabled rules, for the intake (read on every notification with a firing alert). */
  enabledRules(): Promise<RemediationRule[]>;
  getRule(id: string): Promise<RemediationRule | null>;
  /** CONFLICT when the name is taken. */
  createRule(tx: StoreTransaction, rule: NewRule): Promise<RemediationRule>;
  /** Locks and reads one rule for the rest of the transaction. */
  lockRule(tx: StoreTransaction, id: string): Promise<RemediationRule | null>;
  updateRule(tx: StoreTransaction, id: string, changes: RuleChanges, by: string, at: Date): Promise<RemediationRule>;
  deleteRule(tx: StoreTransaction, id: string): Promise<void>;
  trip(tx: StoreTransaction, id: string, at: Date, reason: string): Promise<void>;
  counts(tx: StoreTransaction, ruleId: string, incidentId: string, service: string, since: Date): Promise<RemediationCounts>;
  recordMatch(tx: StoreTransaction, match: Omit<RemediationMatchRecord, "ruleName" | "incidentKey">): Promise<void>;
  /** After the submission: the operation it made, or why it was refused. */
  settleMatch(tx: StoreTransaction, id: string, outcome: RemediationOutcome, reason: string, operationId: string | null): Promise<void>;
  listMatches(filter: { ruleId?: string; incidentId?: string; limit: number }): Promise<RemediationMatchRecord[]>;
  /** Matches per rule id in the hour before `since`. */
  matchCountsSince(since: Date): Promise<Map<string, number>>;
}
