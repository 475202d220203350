// What the self-healing pipeline (docs/demo.md#what-is-real-and-what-is-simulated) needs from outside the core: where
// incidents and their stages are stored, where the sample sources are read,
// and who is told when an incident is resolved or needs a person.
import type { StoreTransaction } from "../../server/core/audit/ports";
import type { AuditSeverity, JsonValue } from "../../server/core/audit/types";
import type { IncidentStatus } from "../../server/core/incidents/ports";

export interface NewIncident {
  /** The affected service's name (it must exist in the topology). */
  service: string;
  title: string;
  severity: AuditSeverity;
  correlationId: string;
  detectedAt: Date;
  summary: { [key: string]: JsonValue };
}

export interface IncidentChanges {
  status?: IncidentStatus;
  approach?: string;
  /** Merged into the stored summary (top-level keys replace). */
  summary?: { [key: string]: JsonValue };
  resolvedAt?: Date;
}

/**
 * Incidents and their stages. Writes take the caller's transaction so a
 * status change commits together with its audit event (the architecture: a change and its audit event commit together).
 */
export interface IncidentStore {
  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** Inserts the incident with the next key of its year ("INC-2026-0001"). */
  create(tx: StoreTransaction, incident: NewIncident): Promise<{ id: string; key: string }>;
  update(tx: StoreTransaction, incidentId: string, changes: IncidentChanges): Promise<void>;
  startStage(tx: StoreTransaction, incidentId: string, stage: string, startedAt: Date, detail: { [key: string]: JsonValue }): Promise<string>;
  endStage(tx: StoreTransaction, stageId: string, endedAt: Date, outcome: string, detail: { [key: string]: JsonValue }): Promise<void>;
  /** Changes to `service` that ran and failed, or were rolled back, since `since` (what the observability layer's failure count reports). */
  countFailedChanges(service: string, since: Date): Promise<number>;
}

/** The demo's sample service sources (demo/services/<service>/<file>), read-only. */
export interface SampleSources {
  /** The file's text; AppError NOT_FOUND when the service ships no such file. */
  read(service: string, file: string): Promise<string>;
}

/** Tells people about incidents (the notifier in the app; nothing in a bare CLI run). */
export interface IncidentNotifier {
  resolved(incident: { id: string; key: string; title: string; service: string; correlationId: string; detectedAt: Date; resolvedAt: Date }): Promise<void>;
  escalated(incident: { id: string; key: string; title: string; service: string; correlationId: string; reason: string }): Promise<void>;
}
