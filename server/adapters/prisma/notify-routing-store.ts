import "server-only";
import { NOTIFY_ROUTING_SETTING } from "../../core/notify/routing";
import type { NotifyRoutingStore } from "../../core/notify/notify-routing-settings";
import type { PrismaClient } from "./generated/client";

/** The notification routing as one JSON row of the settings table, with who changed it last. */
export class PrismaNotifyRoutingStore implements NotifyRoutingStore {
  constructor(private readonly prisma: PrismaClient) {}

  async read(): Promise<unknown | null> {
    const row = await this.prisma.setting.findUnique({ where: { key: NOTIFY_ROUTING_SETTING } });
    return row === null ? null : row.value;
  }

  async write(routing: unknown, updatedBy: string): Promise<void> {
    const value = routing as object;
    await this.prisma.setting.upsert({ where: { key: NOTIFY_ROUTING_SETTING }, create: { key: NOTIFY_ROUTING_SETTING, value, updatedBy }, update: { value, updatedBy } });
  }
}
