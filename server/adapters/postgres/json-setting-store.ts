import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import type { Database } from "./database";
import { runInTransaction } from "./transactions";

/**
 * One run-time setting (conflict policy, gate configuration, notification
 * routing) as a JSON row of the settings table, with who changed it last. The
 * core validates what it reads; this only keeps it.
 */
export class JsonSettingStore {
  constructor(
    private readonly db: Database,
    private readonly key: string,
  ) {}

  async read(): Promise<unknown | null> {
    const row = await this.db.prisma.setting.findUnique({ where: { key: this.key } });
    return row === null ? null : row.value;
  }

  /** `inSameTransaction` (the change's audit event) commits or rolls back with the new value. */
  async write(value: unknown, updatedBy: string, inSameTransaction?: (tx: StoreTransaction) => Promise<void>): Promise<void> {
    const json = value as object;
    await runInTransaction(this.db, async (tx, prisma) => {
      await prisma.setting.upsert({ where: { key: this.key }, create: { key: this.key, value: json, updatedBy }, update: { value: json, updatedBy } });
      if (inSameTransaction) await inSameTransaction(tx);
    });
  }
}
