import type { OperationType } from "../operations/types";
import { evaluateGates } from "./evaluate-gates";
import type { GateConfig } from "./gate-config";
import { GATE_HISTORY_WINDOW_MS, type GateHistory, type ServiceSignals, type SignalSource } from "./ports";
import type { GateEvaluation } from "./types";

export interface AssessGatesDeps {
  gateConfig: () => Promise<GateConfig>;
  /** ERROR_BUDGET and RESOURCE_CAPACITY. */
  signals: SignalSource;
  /** RECENT_FAILURES, COOLDOWN and INCIDENT_RATE: Interlock's own operations and incidents. */
  history: GateHistory;
}

export interface GateSubject {
  id: string;
  type: OperationType;
  service: string;
  /** The operation's estimated impact (weighted blast radius as a share of all services), in percent. */
  blastRadiusPct: number;
}

/**
 * Reads what the six gates need for one operation now (the signal source's
 * figures, the service's history in the store, over the last hour) and
 * evaluates them against the configuration in force (docs/gates.md). The
 * orchestrator's SAFETY_CHECK, a review's fresh evidence and a plan all
 * assess the gates through here, so the three can never disagree about what
 * a gate reads. The three reads run together.
 *
 * The signal source failing is a gate failure (its gates fail closed); the
 * store failing is an error: the store is where the result would be written,
 * and a transient outage must not turn into a permanent BLOCK.
 */
export async function assessGates(deps: AssessGatesDeps, subject: GateSubject, now: Date): Promise<GateEvaluation> {
  const [config, read, history] = await Promise.all([
    deps.gateConfig(),
    deps.signals.serviceSignals(subject.service).then(
      (signals): { signals: ServiceSignals | null; signalError?: string } => ({ signals }),
      (error: unknown) => ({ signals: null, signalError: error instanceof Error ? error.message : String(error) }),
    ),
    deps.history.read(subject.service, subject.id, now, GATE_HISTORY_WINDOW_MS),
  ]);
  return evaluateGates({ operationType: subject.type, ...read, signalSource: deps.signals.kind, history, blastRadiusPct: subject.blastRadiusPct, now }, config);
}
