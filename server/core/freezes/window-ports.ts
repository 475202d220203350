// What the freeze windows and the FREEZE gate need from the store (docs/freezes.md).
import type { StoreTransaction } from "../audit/ports";
import type { BreakGlass, FreezeWindow } from "./types";
import type { HaltReader } from "./ports";

/** A window as written: everything but what the store keeps itself. */
export type NewFreezeWindow = Omit<FreezeWindow, "createdAt" | "updatedAt">;
export type FreezeWindowChanges = Partial<Omit<FreezeWindow, "id" | "createdBy" | "createdAt" | "updatedAt">>;

export interface FreezeWindowStore {
  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** Every window, by name. */
  list(): Promise<FreezeWindow[]>;
  get(id: string): Promise<FreezeWindow | null>;
  /** CONFLICT when the name is taken. */
  create(tx: StoreTransaction, window: NewFreezeWindow, at: Date): Promise<FreezeWindow>;
  /** The window, locked for a change in this transaction; null when there is none. */
  lock(tx: StoreTransaction, id: string): Promise<FreezeWindow | null>;
  update(tx: StoreTransaction, id: string, changes: FreezeWindowChanges, at: Date): Promise<FreezeWindow>;
  delete(tx: StoreTransaction, id: string): Promise<void>;
  /** The owning team and tier of these services, as the topology has them (absent: not in the topology). */
  serviceFacts(services: string[]): Promise<Map<string, { team: string; tier: number }>>;
  /** Every team and tier some service has (a window's scope may name only those). */
  knownTeamsAndTiers(): Promise<{ teams: Set<string>; tiers: Set<number> }>;
  /**
   * Marks an unfinished operation that has not started executing as let
   * through by break-glass, and wakes it (not_before = now); false when it
   * finished or is executing meanwhile.
   */
  recordBreakGlass(tx: StoreTransaction, operationId: string, breakGlass: BreakGlass): Promise<boolean>;
}

/** What the orchestrator's FREEZE gate reads (docs/freezes.md#the-freeze-gate). */
export interface FreezeSource {
  windows: Pick<FreezeWindowStore, "list" | "serviceFacts">;
  halts: HaltReader;
}
