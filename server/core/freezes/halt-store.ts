// What the halt use cases need from the store (docs/freezes.md#stop-the-line).
// Writes happen in the caller's transaction, so a halt and its audit event
// commit together.
import type { StoreTransaction } from "../audit/ports";
import type { AuditSeverity } from "../audit/types";
import type { Halt } from "./types";

/** A halt a person called, as stored (source MANUAL). */
export type StoredHalt = Halt & { source: "MANUAL"; incidentId: null };

export type NewHaltRow = Pick<StoredHalt, "id" | "scope" | "action" | "reason" | "owner" | "createdBy" | "since" | "includesRollbacks" | "breakGlassRole">;

/** An unresolved incident, as the incident halts are derived from it. */
export interface OpenIncidentForHalt {
  id: string;
  key: string;
  service: string;
  title: string;
  severity: AuditSeverity;
  detectedAt: Date;
  /** Who opened it (its incident.opened event's actor), when recorded. */
  openedBy: string | null;
  acknowledgedBy: string | null;
}

export interface HaltStore {
  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  insert(tx: StoreTransaction, halt: NewHaltRow): Promise<void>;
  /** Reads and locks one halt; null when there is none. */
  lock(tx: StoreTransaction, id: string): Promise<StoredHalt | null>;
  lift(tx: StoreTransaction, id: string, lift: { at: Date; by: string; reason: string }): Promise<void>;
  /** Halts called at or before `now` and not lifted by then, oldest first: one indexed query. */
  inForce(now: Date): Promise<StoredHalt[]>;
  /** Every halt called, lifted or not, newest first, at most `limit`. */
  list(limit: number): Promise<StoredHalt[]>;
  /** Incidents of these severities detected at or before `now` and not resolved by then, oldest first: one query. */
  openIncidents(severities: AuditSeverity[], now: Date): Promise<OpenIncidentForHalt[]>;
  /** Of the given names, those the topology knows: services by name, teams and tiers by any service having them. */
  knownScope(scope: { services: string[]; teams: string[]; tiers: number[] }): Promise<{ services: Set<string>; teams: Set<string>; tiers: Set<number> }>;
}
