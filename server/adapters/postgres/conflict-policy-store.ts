import "server-only";
import { CONFLICT_POLICY_SETTING } from "../../core/conflicts/policy";
import type { ConflictPolicyStore } from "../../core/conflicts/ports";
import type { Database } from "./database";
import { JsonSettingStore } from "./json-setting-store";

/** The conflict policy as one JSON row of the settings table. */
export class PrismaConflictPolicyStore extends JsonSettingStore implements ConflictPolicyStore {
  constructor(db: Database) {
    super(db, CONFLICT_POLICY_SETTING);
  }
}
