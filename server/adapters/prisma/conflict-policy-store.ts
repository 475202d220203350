import "server-only";
import { CONFLICT_POLICY_SETTING } from "../../core/conflicts/policy";
import type { ConflictPolicyStore } from "../../core/conflicts/ports";
import type { PrismaClient } from "./generated/client";

/** The conflict policy as one JSON row of the settings table, with who changed it last. */
export class PrismaConflictPolicyStore implements ConflictPolicyStore {
  constructor(private readonly prisma: PrismaClient) {}

  async read(): Promise<unknown | null> {
    const row = await this.prisma.setting.findUnique({ where: { key: CONFLICT_POLICY_SETTING } });
    return row === null ? null : row.value;
  }

  async write(policy: unknown, updatedBy: string): Promise<void> {
    const value = policy as object;
    await this.prisma.setting.upsert({
      where: { key: CONFLICT_POLICY_SETTING },
      create: { key: CONFLICT_POLICY_SETTING, value, updatedBy },
      update: { value, updatedBy },
    });
  }
}
