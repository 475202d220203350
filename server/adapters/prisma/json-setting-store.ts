import "server-only";
import type { PrismaClient } from "./generated/client";

/**
 * One run-time setting (conflict policy, gate configuration, notification
 * routing) as a JSON row of the settings table, with who changed it last. The
 * core validates what it reads; this only keeps it.
 */
export class JsonSettingStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly key: string,
  ) {}

  async read(): Promise<unknown | null> {
    const row = await this.prisma.setting.findUnique({ where: { key: this.key } });
    return row === null ? null : row.value;
  }

  async write(value: unknown, updatedBy: string): Promise<void> {
    const json = value as object;
    await this.prisma.setting.upsert({ where: { key: this.key }, create: { key: this.key, value: json, updatedBy }, update: { value: json, updatedBy } });
  }
}
