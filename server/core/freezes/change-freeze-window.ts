// An admin changes a freeze window (docs/freezes.md#windows): validated as a
// whole after the change, audited with before and after in its transaction.
import type { AuditRecord } from "../audit/types";
import { AppError } from "../errors";
import { parseInput } from "../parse-input";
import { assertWindowValid, windowEvent, windowJson } from "./check-window";
import type { FreezeWindowDeps } from "./create-freeze-window";
import type { FreezeWindow } from "./types";
import { ZFreezeWindowPatch } from "./window-schemas";

export async function changeFreezeWindow(deps: FreezeWindowDeps, id: string, input: unknown, actor: string): Promise<FreezeWindow> {
  const patch = parseInput(ZFreezeWindowPatch, input, "freeze window change");
  let records: AuditRecord[] = [];
  const changed = await deps.windows.transact(async (tx) => {
    const before = await deps.windows.lock(tx, id);
    if (!before) throw new AppError("NOT_FOUND", `No freeze window ${id}`, { id });
    await assertWindowValid(deps.windows, { ...before, ...patch });
    const after = await deps.windows.update(tx, id, patch, deps.clock.now());
    records = await deps.audit.appendInTransaction(tx, [windowEvent(actor, "freeze_window.changed", { windowId: id, window: after.name, before: windowJson(before), after: windowJson(after) })]);
    return after;
  });
  deps.audit.committed(records);
  return changed;
}
