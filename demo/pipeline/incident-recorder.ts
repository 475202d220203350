// Writes an incident's life as the pipeline lives it: each stage's start and
// end on incident_stages (the MTTR timeline is drawn from these rows), each
// stage's end and each status change committed together with its audit event.
import type { AuditLog } from "../../server/core/audit/audit-log";
import type { AuditCategory, AuditEventInput, AuditRecord, AuditSeverity, JsonValue } from "../../server/core/audit/types";
import type { Clock } from "../../server/core/clock";
import type { IncidentStatus } from "../../server/core/incidents/ports";
import type { IncidentChanges, IncidentStore, NewIncident } from "./ports";

type Detail = { [key: string]: JsonValue };

export interface StageResult<T> {
  value: T;
  /** PASSED, FAILED, ESCALATED, … shown on the timeline. */
  outcome: string;
  detail: Detail;
  severity?: AuditSeverity;
}

export interface IncidentRecorderDeps {
  store: IncidentStore;
  audit: AuditLog;
  clock: Clock;
  actor: string;
}

export class IncidentRecorder {
  constructor(private readonly deps: IncidentRecorderDeps) {}

  /** Creates the incident and its detection event in one transaction. */
  async open(incident: NewIncident, detection: Detail): Promise<RecordedIncident> {
    const created = await this.commit(
      (tx) => this.deps.store.create(tx, incident),
      (ids) => [{ category: "INCIDENT_DETECTION", severity: incident.severity, actor: this.deps.actor, action: "incident.detected", service: incident.service, correlationId: incident.correlationId, payload: { incidentId: ids.id, incidentKey: ids.key, title: incident.title, ...detection } }],
    );
    return new RecordedIncident(this, { ...created, service: incident.service, title: incident.title, correlationId: incident.correlationId, detectedAt: incident.detectedAt });
  }

  /** Runs `fn` in one store transaction with the audit events `eventsOf` derives from its result. */
  async commit<T>(fn: (tx: Parameters<Parameters<IncidentStore["transact"]>[0]>[0]) => Promise<T>, eventsOf: (value: T) => AuditEventInput[]): Promise<T> {
    let records: AuditRecord[] = [];
    const value = await this.deps.store.transact(async (tx) => {
      const value = await fn(tx);
      const events = eventsOf(value);
      if (events.length > 0) records = await this.deps.audit.appendInTransaction(tx, events);
      return value;
    });
    this.deps.audit.committed(records);
    return value;
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  get store(): IncidentStore {
    return this.deps.store;
  }

  get actor(): string {
    return this.deps.actor;
  }
}

export class RecordedIncident {
  constructor(
    private readonly recorder: IncidentRecorder,
    readonly info: { id: string; key: string; service: string; title: string; correlationId: string; detectedAt: Date },
  ) {}

  get id(): string {
    return this.info.id;
  }

  /**
   * One pipeline stage: its start is committed before `run` starts, its end
   * (with `run`'s outcome and detail) with an audit event of `category`. A
   * stage that throws is ended FAILED with the error, and the error rethrown.
   */
  async stage<T>(stage: string, category: AuditCategory, run: () => Promise<StageResult<T>>): Promise<T> {
    const { store, clock } = this.recorder;
    const stageId = await store.transact((tx) => store.startStage(tx, this.info.id, stage, clock.now(), {}));
    let result: StageResult<T>;
    try {
      result = await run();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.endStage(stageId, stage, category, { outcome: "FAILED", detail: { error: message }, severity: "ERROR" });
      throw error;
    }
    await this.endStage(stageId, stage, category, result);
    return result.value;
  }

  /**
   * A stage that happened elsewhere (the orchestrator's gates, locks and canary
   * steps, audited there as they ran), recorded with the times it really had.
   */
  async recordStage(stage: string, startedAt: Date, endedAt: Date, outcome: string, detail: Detail): Promise<void> {
    const { store } = this.recorder;
    await store.transact(async (tx) => {
      const id = await store.startStage(tx, this.info.id, stage, startedAt, {});
      await store.endStage(tx, id, endedAt, outcome, detail);
    });
  }

  /** A status change of the incident, committed with its audit event. */
  async setStatus(status: IncidentStatus, changes: Omit<IncidentChanges, "status">, event: { category: AuditCategory; severity: AuditSeverity; action: string; payload: Detail }): Promise<void> {
    const { store } = this.recorder;
    await this.recorder.commit(
      (tx) => store.update(tx, this.info.id, { ...changes, status }),
      () => [{ ...event, actor: this.recorder.actor, service: this.info.service, correlationId: this.info.correlationId, payload: { incidentId: this.info.id, incidentKey: this.info.key, status, ...event.payload } }],
    );
  }

  private async endStage(stageId: string, stage: string, category: AuditCategory, result: Omit<StageResult<unknown>, "value">): Promise<void> {
    const { store, clock } = this.recorder;
    await this.recorder.commit(
      (tx) => store.endStage(tx, stageId, clock.now(), result.outcome, result.detail),
      () => [{ category, severity: result.severity ?? (result.outcome === "FAILED" ? "ERROR" : "INFO"), actor: this.recorder.actor, action: `incident.${stage}`, service: this.info.service, correlationId: this.info.correlationId, payload: { incidentId: this.info.id, incidentKey: this.info.key, outcome: result.outcome, ...result.detail } }],
    );
  }
}
