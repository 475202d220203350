// The remediation rules' turn after an alert fires (docs/incidents.md#remediation-rules),
// in two steps:
// - decide, inside the intake's transaction: each enabled rule that matches
//   decides (decide-remediation.ts) with the rule's row locked, so two
//   notifications at once cannot both slip under its breaker; the match, a
//   tripped breaker and their audit events commit with the incident they
//   are about;
// - submit, after that commit: the operation goes to the orchestrator like any
//   other submission (conflicts, locks, gates and reviews apply), with an
//   idempotency key per match so a retried submission makes one operation;
//   then the match records the operation and the incident moves to MITIGATING.
import type { StoreTransaction } from "../audit/ports";
import type { AuditEventInput, AuditRecord, JsonValue } from "../audit/types";
import type { Clock } from "../clock";
import { isAppError } from "../errors";
import type { IncidentStore } from "../incidents/incident-store";
import type { StoredAlert } from "../incidents/plan-alert-intake";
import type { SubmitOperationInput } from "../operations/submission";
import { decideRemediation, type RemediationDecision } from "./decide-remediation";
import { renderParams, ruleMatches, type AlertContext } from "./match-rule";
import type { RemediationStore } from "./ports";
import type { RemediationOutcome, RemediationRule } from "./types";

const HOUR = 3_600_000;

export interface RemediationDeps {
  remediation: RemediationStore;
  incidents: IncidentStore;
  audit: { appendInTransaction(tx: StoreTransaction, events: AuditEventInput[]): Promise<AuditRecord[]>; committed(records: AuditRecord[]): void };
  submit(input: SubmitOperationInput): Promise<{ result: string; operation: { id: string } }>;
  clock: Clock;
  newId(): string;
}

export interface IncidentRef {
  id: string;
  key: string;
  correlationId: string;
  service: string;
}

export interface RemediationResult {
  matchId: string;
  rule: string;
  fingerprint: string;
  outcome: RemediationOutcome;
  operationId: string | null;
  reason: string;
}

/** A match decided and committed, whose operation (if any) is still to be submitted. */
export interface PendingRemediation {
  matchId: string;
  rule: Pick<RemediationRule, "id" | "name">;
  incident: IncidentRef;
  fingerprint: string;
  decision: Pick<RemediationDecision, "outcome" | "submit" | "reason">;
  submission: SubmitOperationInput;
}

/** An alert that fired, for the incident it belongs to; `owner` says whose it is (the caller's index). */
export interface FiredAlert {
  owner: number;
  incident: IncidentRef;
  alert: StoredAlert;
  /** The intake settings' labels for the service and the severity. */
  labels: { serviceLabel: string; severityLabel: string };
}

/**
 * Which rules match which fired alerts, and the decision of each, in the
 * caller's transaction. The candidate rules are locked and re-read first, in
 * id order (two transactions never wait on each other's rules in a cycle), and
 * matched as they are now; the counts read in the same transaction see the
 * matches decided before them.
 */
export async function decideRemediations(
  tx: StoreTransaction,
  deps: { remediation: RemediationStore; newId(): string },
  input: { fired: FiredAlert[]; rules: RemediationRule[]; now: Date },
): Promise<{ pending: (PendingRemediation & { owner: number })[]; events: AuditEventInput[] }> {
  const pending: (PendingRemediation & { owner: number })[] = [];
  const events: AuditEventInput[] = [];
  const contexts = input.fired.map((fired): AlertContext => ({ service: fired.incident.service, labels: fired.alert.labels, incident: { id: fired.incident.id, key: fired.incident.key }, ...fired.labels }));
  // Only rules that match as last read are worth a lock; a rule changed meanwhile is matched again below as it is now.
  const candidates = [...new Set(input.rules.filter((rule) => contexts.some((c) => ruleMatches(rule.match, c))).map((rule) => rule.id))].sort();
  if (candidates.length === 0) return { pending, events };
  const locked = new Map<string, RemediationRule>();
  for (const id of candidates) {
    const rule = await deps.remediation.lockRule(tx, id);
    if (rule?.enabled) locked.set(id, rule);
  }
  const matches: { ruleId: string; fired: FiredAlert; context: AlertContext }[] = [];
  for (const [i, fired] of input.fired.entries()) for (const rule of locked.values()) if (ruleMatches(rule.match, contexts[i]!)) matches.push({ ruleId: rule.id, fired, context: contexts[i]! });
  for (const { ruleId, fired, context } of matches) {
    // As it is now, including a breaker tripped by an earlier match of this transaction.
    const rule = locked.get(ruleId)!;
    const { incident, alert } = fired;
    const matchId = deps.newId();
    const counts = await deps.remediation.counts(tx, rule.id, incident.id, incident.service, new Date(input.now.getTime() - HOUR));
    const rendered = renderParams(rule, context);
    const decision: RemediationDecision =
      "error" in rendered ? { outcome: "FAILED", submit: false, reviewRequired: null, trip: null, reason: `Not submitted: ${rendered.error}` } : decideRemediation(rule, counts);
    const params = "params" in rendered ? rendered.params : {};
    const submission: SubmitOperationInput = {
      type: rule.operation.type,
      service: incident.service,
      actor: `rule:${rule.name}`,
      actorKind: "AUTOMATION",
      source: "RULE",
      correlationId: incident.correlationId,
      incidentId: incident.id,
      idempotencyKey: `remediation:${matchId}`,
      params: { ...params, ...(decision.reviewRequired ? { reviewRequired: decision.reviewRequired } : {}) },
      ...(rule.operation.priority ? { priority: rule.operation.priority, mayRaisePriority: true } : {}),
    };
    await deps.remediation.recordMatch(tx, {
      id: matchId,
      ruleId: rule.id,
      incidentId: incident.id,
      service: incident.service,
      fingerprint: alert.fingerprint,
      at: input.now,
      mode: rule.mode,
      outcome: decision.outcome,
      reason: decision.reason,
      submission: submission as unknown as Record<string, unknown>,
      operationId: null,
    });
    const base = { actor: `rule:${rule.name}`, service: incident.service, correlationId: incident.correlationId };
    events.push({
      ...base,
      category: "FIX_PLANNING",
      severity: decision.outcome === "FAILED" ? "WARNING" : "INFO",
      action: "remediation.matched",
      payload: { matchId, ruleId: rule.id, rule: rule.name, mode: rule.mode, outcome: decision.outcome, reason: decision.reason, incidentId: incident.id, incidentKey: incident.key, fingerprint: alert.fingerprint, submission: submission as unknown as JsonValue },
    });
    if (decision.trip) {
      await deps.remediation.trip(tx, rule.id, input.now, decision.trip);
      // Later matches in this transaction see the breaker open.
      locked.set(rule.id, { ...rule, trippedAt: input.now, trippedReason: decision.trip });
      events.push({ ...base, category: "FIX_PLANNING", severity: "ERROR", action: "remediation.breaker_tripped", payload: { ruleId: rule.id, rule: rule.name, reason: decision.trip, incidentId: incident.id, incidentKey: incident.key, matchId } });
    }
    pending.push({ owner: fired.owner, matchId, rule: { id: rule.id, name: rule.name }, incident, fingerprint: alert.fingerprint, decision, submission });
  }
  return { pending, events };
}

/** Submits a decided remediation (when its decision says so) and records what became of it. */
export async function submitRemediation(deps: RemediationDeps, pending: PendingRemediation): Promise<RemediationResult> {
  const { matchId, rule, incident, decision } = pending;
  const result = { matchId, rule: rule.name, fingerprint: pending.fingerprint };
  if (!decision.submit) return { ...result, outcome: decision.outcome, operationId: null, reason: decision.reason };
  let operationId: string | null = null;
  let outcome: RemediationOutcome = decision.outcome;
  let reason = decision.reason;
  try {
    const submitted = await deps.submit(pending.submission);
    operationId = submitted.operation.id;
    if (submitted.result === "ALREADY_RUNNING") reason = `${reason}; the same change was already running as operation ${operationId}`;
  } catch (error) {
    if (!isAppError(error)) throw error;
    outcome = "FAILED";
    reason = `The orchestrator refused the submission: ${error.message}`;
  }
  let settled: AuditRecord[] = [];
  await deps.incidents.transact(async (tx) => {
    await deps.remediation.settleMatch(tx, matchId, outcome, reason, operationId);
    const events: AuditEventInput[] = [];
    const current = operationId ? await deps.incidents.lockIncident(tx, incident.id) : null;
    if (current && (current.status === "OPEN" || current.status === "ACKNOWLEDGED")) {
      const at = deps.clock.now();
      await deps.incidents.move(tx, incident.id, { status: "MITIGATING", mitigating: { at } });
      events.push({ category: "INCIDENT_DETECTION", severity: "INFO", actor: `rule:${rule.name}`, action: "incident.mitigating", service: incident.service, correlationId: incident.correlationId, payload: { incidentId: incident.id, incidentKey: incident.key, from: current.status, operationId, matchId } });
    }
    if (outcome === "FAILED") events.push({ category: "FIX_PLANNING", severity: "WARNING", actor: `rule:${rule.name}`, action: "remediation.refused", service: incident.service, correlationId: incident.correlationId, payload: { matchId, ruleId: rule.id, reason } });
    settled = events.length ? await deps.audit.appendInTransaction(tx, events) : [];
  });
  deps.audit.committed(settled);
  return { ...result, outcome, operationId, reason };
}
