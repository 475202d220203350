import "server-only";
import { GATE_CONFIG_SETTING } from "../../core/gates/gate-config";
import type { GateConfigStore } from "../../core/gates/get-gate-config";
import type { PrismaClient } from "./generated/client";

/** The safety gate configuration as one JSON row of the settings table, with who changed it last. */
export class PrismaGateConfigStore implements GateConfigStore {
  constructor(private readonly prisma: PrismaClient) {}

  async read(): Promise<unknown | null> {
    const row = await this.prisma.setting.findUnique({ where: { key: GATE_CONFIG_SETTING } });
    return row === null ? null : row.value;
  }

  async write(config: unknown, updatedBy: string): Promise<void> {
    const value = config as object;
    await this.prisma.setting.upsert({ where: { key: GATE_CONFIG_SETTING }, create: { key: GATE_CONFIG_SETTING, value, updatedBy }, update: { value, updatedBy } });
  }
}
