// Where the console's demo runs happen (docs/demo.md#where-a-run-happens): beside
// the server's own store (the embedded, single-machine install, whose store is
// the demo's), or in a sandbox opened for each run and thrown away after it
// (a DATABASE_URL deployment: its own database, audit chain, lock store and
// console inbox, never the server's). The runner asks the estate for an
// environment per run and gives it back when the run ends.
import type { DemoEnvironment } from "./demo-environment";
import type { FailureScenario } from "./failure-matrix";

/** What the catalog says about where runs happen. */
export interface DemoPlace {
  /** True when runs happen in a sandbox: their incidents, operations, locks and audit events are not in this console's lists. */
  sandboxed: boolean;
  description: string;
}

/** One run's environment, and how to give it back. */
export interface OpenedEstate {
  env: DemoEnvironment;
  /** The sandbox the run uses, in words; null when it runs beside the server's store. */
  sandbox: string | null;
  close(): Promise<void>;
}

export interface DemoEstate {
  place: DemoPlace;
  /** SIMULATION_TIME_SCALE of the runs. */
  timeScale: number;
  /** Why a row cannot run here (null: it can), known without opening anything. */
  unavailableIn(scenario: FailureScenario): string | null;
  /** The environment for one run of `scenario`. */
  open(scenario: FailureScenario): Promise<OpenedEstate>;
}

/**
 * Runs beside a running environment, except the rows that edit the store
 * itself, which get a sandbox of their own (`sandboxFor`).
 */
export function besideTheStore(parts: { env: DemoEnvironment; description: string; sandboxFor: (scenario: FailureScenario) => Promise<OpenedEstate> }): DemoEstate {
  const { env } = parts;
  return {
    place: { sandboxed: false, description: parts.description },
    timeScale: env.timeScale,
    unavailableIn: (scenario) => scenario.unavailableIn?.(env) ?? null,
    open: async (scenario) => (scenario.editsTheStore ? parts.sandboxFor(scenario) : { env, sandbox: null, close: async () => {} }),
  };
}
