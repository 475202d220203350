// The write side of incidents (docs/incidents.md): what opening, moving and
// the Alertmanager intake need from the store. Every write happens in the
// caller's transaction, so a change and its audit event commit together.
import type { StoreTransaction } from "../audit/ports";
import type { AuditSeverity } from "../audit/types";
import type { OpenIncidentState, StoredAlert } from "./plan-alert-intake";
import type { IncidentStatus } from "./ports";

export const INCIDENT_SOURCES = ["ALERTMANAGER", "API", "CONSOLE", "DEMO"] as const;
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

export interface IncidentNote {
  at: string;
  by: string;
  status: IncidentStatus;
  note: string;
}

export interface NewIncidentRow {
  id: string;
  service: string;
  title: string;
  severity: AuditSeverity;
  source: IncidentSource;
  correlationId: string;
  groupKey: string | null;
  detectedAt: Date;
  /** RESOLVED when its only alerts arrived resolved. */
  status: "OPEN" | "RESOLVED";
  resolvedAt: Date | null;
  resolvedBy: string | null;
  notes: IncidentNote[];
}

/** An incident as the moves read it (locked for the rest of the transaction). */
export interface IncidentState {
  id: string;
  key: string;
  service: string;
  status: IncidentStatus;
  severity: AuditSeverity;
  source: IncidentSource;
  correlationId: string;
  detectedAt: Date;
  acknowledgedAt: Date | null;
  mitigatingAt: Date | null;
  resolvedAt: Date | null;
}

export interface IncidentMoveRow {
  status?: IncidentStatus;
  severity?: AuditSeverity;
  acknowledged?: { at: Date; by: string };
  mitigating?: { at: Date };
  resolved?: { at: Date; by: string };
  note?: IncidentNote;
}

export interface IncidentStore {
  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** Of `names`, the services the topology knows. */
  knownServices(names: string[]): Promise<Set<string>>;
  /** Serialises every writer of these alert groups until the transaction ends, taking them in the order given. */
  lockGroups(tx: StoreTransaction, groupKeys: string[]): Promise<void>;
  /**
   * In one read: the group's unresolved incident with its alerts (locked for
   * the rest of the transaction), and the last record of each of `fingerprints`
   * in any incident of the group.
   */
  readGroup(tx: StoreTransaction, groupKey: string, fingerprints: string[]): Promise<{ open: OpenIncidentState | null; previous: Map<string, StoredAlert> }>;
  /** Inserts the incident (its key numbered by the store); NOT_FOUND when the service is unknown. */
  create(tx: StoreTransaction, incident: NewIncidentRow): Promise<{ id: string; key: string }>;
  writeAlerts(tx: StoreTransaction, incidentId: string, alerts: StoredAlert[], at: Date): Promise<void>;
  /** Reads and locks one incident; null when there is none. */
  lockIncident(tx: StoreTransaction, id: string): Promise<IncidentState | null>;
  /** Applies a move; the first time of each state is kept, a resolution frees the group for a new incident. */
  move(tx: StoreTransaction, id: string, move: IncidentMoveRow): Promise<void>;
}
