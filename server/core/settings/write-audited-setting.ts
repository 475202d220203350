// A run-time setting and the audit event that records its change are one
// write: the new value and the event commit together or not at all, so the
// audit trail never shows a change that did not happen, and no change happens
// without its event.
import type { AuditLog } from "../audit/audit-log";
import type { StoreTransaction } from "../audit/ports";
import type { AuditEventInput, AuditRecord, JsonValue } from "../audit/types";

export type SettingAudit = Pick<AuditLog, "appendInTransaction" | "committed">;

export interface AuditedSettingStore {
  write(value: unknown, updatedBy: string, inSameTransaction?: (tx: StoreTransaction) => Promise<void>): Promise<void>;
}

export async function writeAuditedSetting(store: AuditedSettingStore, audit: SettingAudit, value: unknown, actor: string, event: AuditEventInput): Promise<void> {
  let records: AuditRecord[] = [];
  await store.write(value, actor, async (tx) => {
    records = await audit.appendInTransaction(tx, [event]);
  });
  audit.committed(records);
}

export const asJson = (value: unknown) => value as JsonValue;
