// An admin adds a freeze window (docs/freezes.md#windows); the window and its
// audit event commit together.
import type { AuditLog } from "../audit/audit-log";
import type { AuditRecord } from "../audit/types";
import type { Clock } from "../clock";
import { parseInput } from "../parse-input";
import { assertWindowValid, windowEvent, windowJson } from "./check-window";
import type { FreezeWindow } from "./types";
import type { FreezeWindowStore } from "./window-ports";
import { ZFreezeWindowInput } from "./window-schemas";

export interface FreezeWindowDeps {
  windows: FreezeWindowStore;
  audit: Pick<AuditLog, "appendInTransaction" | "committed">;
  clock: Clock;
  newId: () => string;
}

export async function createFreezeWindow(deps: FreezeWindowDeps, input: unknown, actor: string): Promise<FreezeWindow> {
  const w = parseInput(ZFreezeWindowInput, input, "freeze window");
  await assertWindowValid(deps.windows, w);
  let records: AuditRecord[] = [];
  const created = await deps.windows.transact(async (tx) => {
    const row = await deps.windows.create(tx, { id: deps.newId(), ...w, createdBy: actor }, deps.clock.now());
    records = await deps.audit.appendInTransaction(tx, [windowEvent(actor, "freeze_window.created", { windowId: row.id, window: row.name, after: windowJson(row) })]);
    return row;
  });
  deps.audit.committed(records);
  return created;
}
