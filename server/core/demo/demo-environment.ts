// Everything a demo scenario may touch: the real orchestrator and what it runs
// on, plus the handles through which faults are injected (the simulated
// signals, a partition between the orchestrator and its lock store, a worker
// crash, an edit of the audit table). The app builds one over its own
// container; `npm run demo` and the tests build one over a fresh store.
import type { AuditEventInput, JsonValue } from "../audit/types";
import type { Clock } from "../clock";
import type { GateConfig } from "../gates/gate-config";
import type { CohortSignals, ServiceSignals } from "../gates/ports";
import type { LockManager } from "../locks/lock-manager";
import type { Orchestrator } from "../operations/orchestrator";
import type { TopologySpec } from "../topology/types";
import type { PartitionableLockStore } from "./faults/partitionable-lock-store";
import type { IncidentRecorder } from "./incident-recorder";
import type { IncidentNotifier, IncidentStore, SampleSources } from "./ports";

/** The simulated signal source as the demo drives it. */
export interface DemoSignals {
  set(service: string, values: Partial<Omit<ServiceSignals, "service" | "at">>): void;
  setCanary(service: string, override: { baseline?: Partial<CohortSignals>; canary?: Partial<CohortSignals> }): void;
  setDefaults(values: Partial<Omit<ServiceSignals, "service" | "at">>): void;
  /** Back to the healthy estate: every injected figure removed. */
  reset(): void;
}

/** One deliberate edit of a stored audit event, and how to undo it. */
export interface AuditTampering {
  seq: string;
  field: string;
  from: string;
  to: string;
  restore(): Promise<void>;
}

export interface AuditDrill {
  /** Edits one stored event as someone with write access to the database would (seed 001: actor 'system' → 'alice'). */
  tamper(): Promise<AuditTampering>;
  /** Verifies the whole chain and records the verdict (the hash_chain_valid figure and its alert read it). */
  verify(actor: string): Promise<{ valid: boolean; checked: number; firstBadSeq: string | null; kind: string | null }>;
}

export interface DemoEnvironment {
  orchestrator: Orchestrator;
  recorder: IncidentRecorder;
  incidents: IncidentStore;
  topology: () => Promise<TopologySpec>;
  sources: SampleSources;
  signals: DemoSignals;
  /** The orchestrator's lock store, with the failure matrix's partition switch. */
  lockStore: PartitionableLockStore;
  /** A lock manager of its own on the same store: the "stuck holder" of the lock-timeout row. */
  locks: LockManager;
  audit: AuditDrill;
  notifier: IncidentNotifier | null;
  /** Notifications queued for an operation (null when this environment has no notifier). */
  notificationsFor: ((operationId: string) => Promise<{ template: string; channel: string }[]>) | null;
  gateConfig: () => Promise<GateConfig>;
  /** The audit events of one operation, oldest first (what the gates and the locks recorded). */
  auditEventsOf: (operationId: string) => Promise<{ action: string; category: string; payload: { [key: string]: JsonValue } }[]>;
  /** Records one audit event (a scenario's start and verdict). */
  appendAudit: (event: AuditEventInput) => Promise<void>;
  clock: Clock;
  /** The orchestrator's SIMULATION_TIME_SCALE: simulated waits run this many times faster. */
  timeScale: number;
}
