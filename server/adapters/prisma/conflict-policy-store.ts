import "server-only";
import { CONFLICT_POLICY_SETTING } from "../../core/conflicts/policy";
import type { ConflictPolicyStore } from "../../core/conflicts/ports";
import type { PrismaClient } from "./generated/client";
import { JsonSettingStore } from "./json-setting-store";

/** The conflict policy as one JSON row of the settings table. */
export class PrismaConflictPolicyStore extends JsonSettingStore implements ConflictPolicyStore {
  constructor(prisma: PrismaClient) {
    super(prisma, CONFLICT_POLICY_SETTING);
  }
}
