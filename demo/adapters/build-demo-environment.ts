import "server-only";
import type { KeyObject } from "node:crypto";
import type { AuditLog } from "../../server/core/audit/audit-log";
import type { AuditStore, CheckpointSink } from "../../server/core/audit/ports";
import { systemClock } from "../../server/core/clock";
import type { DemoEnvironment, WorkerProcesses } from "../pipeline/demo-environment";
import type { PartitionableLockStore } from "../faults/partitionable-lock-store";
import { IncidentRecorder } from "../pipeline/incident-recorder";
import type { IncidentNotifier } from "../pipeline/ports";
import type { GateConfig } from "../../server/core/gates/gate-config";
import type { GraphStore } from "../../server/core/graph/ports";
import { getIncidentSettings, type IncidentSettingsStore } from "../../server/core/incidents/incident-settings";
import type { LockManager } from "../../server/core/locks/lock-manager";
import { incidentResolvedMessage } from "../../server/core/notify/templates";
import type { Notifier } from "../../server/core/notify/notifier";
import type { Orchestrator } from "../../server/core/operations/orchestrator";
import type { Database } from "../../server/adapters/postgres/database";
import { PostgresIncidentStore } from "./postgres-incident-store";
import type { SimulatedSignalSource } from "../../server/adapters/signals/simulated-signal-source";
import { FileSampleSources } from "./file-sample-sources";
import { PostgresAuditDrill } from "./postgres-audit-drill";

export const AUTO_HEALER_ACTOR = "auto-healing-system";

export interface DemoEnvironmentParts {
  db: Database;
  orchestrator: Orchestrator;
  lockStore: PartitionableLockStore;
  locks: LockManager;
  signals: SimulatedSignalSource;
  audit: { log: AuditLog; store: AuditStore; sink: CheckpointSink; publicKey: KeyObject };
  graph: Pick<GraphStore, "loadSnapshot">;
  notifier: Notifier | null;
  consoleUrl: string;
  gateConfig: () => Promise<GateConfig>;
  timeScale: number;
  /** Where the incident settings are kept (the manual-MTTR baseline the demo compares with). */
  incidentSettings: IncidentSettingsStore;
  /** The crash row's worker processes (or why there can be none). */
  workerProcesses: WorkerProcesses;
  sampleRoot?: string;
}

/** The demo's environment over a running store and the demo's own orchestrator (beside the app's container, or in a sandbox). */
export function buildDemoEnvironment(parts: DemoEnvironmentParts): DemoEnvironment {
  const { db, audit } = parts;
  const incidents = new PostgresIncidentStore(db);
  return {
    orchestrator: parts.orchestrator,
    recorder: new IncidentRecorder({ store: incidents, audit: audit.log, clock: systemClock, actor: AUTO_HEALER_ACTOR }),
    incidents,
    topology: () => parts.graph.loadSnapshot(),
    sources: new FileSampleSources(parts.sampleRoot),
    signals: parts.signals,
    lockStore: parts.lockStore,
    locks: parts.locks,
    audit: new PostgresAuditDrill({ db, ...audit }),
    workerProcesses: parts.workerProcesses,
    notifier: parts.notifier ? incidentNotifier(parts.notifier, parts.consoleUrl) : null,
    notificationsFor: parts.notifier
      ? async (operationId) => db.query<{ template: string; channel: string }>(`SELECT template, channel::text AS channel FROM notifications WHERE operation_id = $1::uuid`, [operationId])
      : null,
    gateConfig: parts.gateConfig,
    auditEventsOf: async (operationId) => {
      await audit.log.settle();
      const page = await audit.store.query({ operationId, limit: 1000 });
      return page.events.reverse().map((e) => ({ action: e.action, category: e.category, payload: e.payload }));
    },
    appendAudit: async (event) => void (await audit.log.append(event)),
    clock: systemClock,
    timeScale: parts.timeScale,
    manualMttrMinutes: async () => (await getIncidentSettings({ incidentSettings: parts.incidentSettings })).manualMttrMinutes,
  };
}

/** Incidents reach people through the notifier's routing, like every other message. */
function incidentNotifier(notifier: Notifier, baseUrl: string): IncidentNotifier {
  return {
    async resolved(incident) {
      await notifier.notify(incidentResolvedMessage({ ...incident, detectedAt: incident.detectedAt.toISOString(), resolvedAt: incident.resolvedAt.toISOString() }, { baseUrl }));
    },
    async escalated(incident) {
      await notifier.notify({
        template: "human_review_required",
        severity: "ERROR",
        title: `Incident needs a person: ${incident.title}`,
        body: `${incident.key} on ${incident.service} was escalated by the self-healing pipeline. ${incident.reason}`,
        fields: [
          { label: "Service", value: incident.service },
          { label: "Incident", value: incident.key },
        ],
        links: [{ label: "Open incident", url: `${baseUrl}/incidents/${incident.id}` }],
        dedupKey: `incident:${incident.id}`,
        service: incident.service,
        operationId: null,
        correlationId: incident.correlationId,
        urgency: "high",
      });
    },
  };
}
