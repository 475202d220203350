import "server-only";
import { GATE_CONFIG_SETTING } from "../../core/gates/gate-config";
import type { GateConfigStore } from "../../core/gates/get-gate-config";
import type { Database } from "./database";
import { JsonSettingStore } from "./json-setting-store";

/** The safety gate configuration as one JSON row of the settings table. */
export class PrismaGateConfigStore extends JsonSettingStore implements GateConfigStore {
  constructor(db: Database) {
    super(db, GATE_CONFIG_SETTING);
  }
}
