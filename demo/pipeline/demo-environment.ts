// Everything a demo scenario may touch: the demo's own orchestrator and what
// it runs on, plus the handles through which faults are injected (the
// simulated signals, a partition between that orchestrator and its lock
// store, a worker process to kill, an edit of the audit table). The console
// builds one beside the app's container (demo/console/console-demo.ts);
// `npm run demo` and the tests build one over a fresh store.
import type { AuditEventInput, JsonValue } from "../../server/core/audit/types";
import type { Clock } from "../../server/core/clock";
import type { GateConfig } from "../../server/core/gates/gate-config";
import type { CohortSignals, ServiceSignals } from "../../server/core/gates/ports";
import type { LockManager } from "../../server/core/locks/lock-manager";
import type { Orchestrator } from "../../server/core/operations/orchestrator";
import type { TopologySpec } from "../../server/core/topology/types";
import type { PartitionableLockStore } from "../faults/partitionable-lock-store";
import type { IncidentRecorder } from "./incident-recorder";
import type { IncidentNotifier, IncidentStore, SampleSources } from "./ports";

/** The simulated signal source as the demo drives it. */
export interface DemoSignals {
  /** What the source reports for the service now. */
  serviceSignals(service: string): Promise<ServiceSignals>;
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
  /** Edits one stored event as someone with write access to the database would (the matrix's example: actor 'system' → 'alice'). */
  tamper(): Promise<AuditTampering>;
  /** Verifies the whole chain and records the verdict (the hash_chain_valid figure and its alert read it). */
  verify(actor: string): Promise<{ valid: boolean; checked: number; firstBadSeq: string | null; kind: string | null }>;
}

/** A worker in a process of its own, over the same database and lock backend: what the crash row kills. */
export interface WorkerProcess {
  /** The operation the process submitted (it drives it, unless another worker was quicker to claim it). */
  operationId: string;
  pid: number;
  /** Whether the process's worker claimed the operation. */
  drives(operationId: string): boolean;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

export type WorkerProcesses =
  | {
      available: true;
      /** Starts the process, which submits `submission` and drives it with its own worker. */
      start(submission: Record<string, unknown>): Promise<WorkerProcess>;
    }
  | { available: false; reason: string };

export interface DemoEnvironment {
  /** The demo's own orchestrator (its own worker): what the scenarios submit to. */
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
  /** Worker processes of their own for the crash row, where the store admits a second process. */
  workerProcesses: WorkerProcesses;
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
  /** The manual baseline in force (the incident setting manualMttrMinutes, docs/demo.md#time-in-the-demo), read for each run. */
  manualMttrMinutes: () => Promise<number>;
}
