import type { StoreTransaction } from "../audit/ports";
import { isAppError } from "../errors";
import { DEFAULT_NOTIFY_ROUTING, parseNotifyRouting, type NotifyRouting } from "./routing";

/** Where the run-time routing is kept (the settings table), as raw JSON. */
export interface NotifyRoutingStore {
  read(): Promise<unknown | null>;
  /** Stores the value; `inSameTransaction` (the change's audit event) commits or rolls back with it. */
  write(routing: unknown, updatedBy: string, inSameTransaction?: (tx: StoreTransaction) => Promise<void>): Promise<void>;
}

/**
 * The routing in force: the stored one, or the default when none was saved. A
 * stored routing that no longer validates falls back to the default and says so
 * through `onInvalid`: unlike a safety gate, a notifier that stops sending
 * because of a bad setting would fail exactly when someone needs to be told.
 */
export async function getNotifyRouting(deps: { routing: NotifyRoutingStore; onInvalid: (error: unknown) => void }): Promise<NotifyRouting> {
  const stored = await deps.routing.read();
  if (stored === null) return DEFAULT_NOTIFY_ROUTING;
  try {
    return parseNotifyRouting(stored);
  } catch (error) {
    if (!isAppError(error)) throw error;
    deps.onInvalid(error);
    return DEFAULT_NOTIFY_ROUTING;
  }
}
