// An admin deletes a freeze window (docs/freezes.md#windows); the audit trail keeps it.
import type { AuditRecord } from "../audit/types";
import { AppError } from "../errors";
import { windowEvent, windowJson } from "./check-window";
import type { FreezeWindowDeps } from "./create-freeze-window";

export async function deleteFreezeWindow(deps: Omit<FreezeWindowDeps, "newId">, id: string, actor: string): Promise<void> {
  let records: AuditRecord[] = [];
  await deps.windows.transact(async (tx) => {
    const before = await deps.windows.lock(tx, id);
    if (!before) throw new AppError("NOT_FOUND", `No freeze window ${id}`, { id });
    await deps.windows.delete(tx, id);
    records = await deps.audit.appendInTransaction(tx, [windowEvent(actor, "freeze_window.deleted", { windowId: id, window: before.name, before: windowJson(before) })]);
  });
  deps.audit.committed(records);
}
