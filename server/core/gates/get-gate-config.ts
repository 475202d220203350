import type { StoreTransaction } from "../audit/ports";
import { AppError, isAppError } from "../errors";
import { DEFAULT_GATE_CONFIG, GATE_CONFIG_SETTING, parseGateConfig, type GateConfig } from "./gate-config";

/** Where the run-time gate configuration is kept (the settings table by default), as raw JSON. */
export interface GateConfigStore {
  read(): Promise<unknown | null>;
  /** Stores the value; `inSameTransaction` (the change's audit event) commits or rolls back with it. */
  write(config: unknown, updatedBy: string, inSameTransaction?: (tx: StoreTransaction) => Promise<void>): Promise<void>;
}

/**
 * The gate configuration in force: the stored one, or the defaults (docs/gates.md) when
 * none was saved. A stored configuration that no longer validates stops the
 * gates with an error naming the setting: a safety check fails closed rather
 * than silently reverting to thresholds an admin changed on purpose.
 */
export async function getGateConfig(deps: { gates: GateConfigStore }): Promise<GateConfig> {
  const stored = await deps.gates.read();
  if (stored === null) return DEFAULT_GATE_CONFIG;
  try {
    return parseGateConfig(stored);
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw new AppError("INTERNAL", `The stored safety gate configuration (setting "${GATE_CONFIG_SETTING}") is invalid: ${error.message}`, error.details, { cause: error });
  }
}
