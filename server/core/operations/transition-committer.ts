import type { AuditLog } from "../audit/audit-log";
import { assertValidAuditInput } from "../audit/audit-log";
import type { AuditEventInput, AuditRecord } from "../audit/types";
import { AppError } from "../errors";
import { GroupCommit } from "./group-commit";
import type { OperationStore, TransitionWrite } from "./ports";

interface Item {
  /** null: audit events only (a lock released after the last transition), written with the next batch. */
  write: TransitionWrite | null;
  events: AuditEventInput[];
}

/**
 * Writes state changes: each transition commits together with its evidence
 * (gate results, conflicts, review) and its audit events, or not at all.
 * Concurrent transitions of different operations share one transaction.
 * A transition whose version (or worker claim) is no longer current is
 * refused with VERSION_CONFLICT; the others in its batch still commit.
 */
export class TransitionCommitter {
  // One group item per commitAll call: successive transitions of one operation
  // always travel in the same batch, whatever else is being written at once.
  private readonly group: GroupCommit<Item[], boolean[]>;

  constructor(
    private readonly store: OperationStore,
    private readonly audit: AuditLog,
    maxBatch: number,
  ) {
    this.group = new GroupCommit(async (groups) => {
      const applied = await this.writeBatch(groups.flat());
      let k = 0;
      return groups.map((g) => g.map(() => applied[k++]!));
    }, maxBatch, 2);
  }

  commit(write: TransitionWrite, events: AuditEventInput[]): Promise<void> {
    return this.commitAll([{ write, events }]);
  }

  /**
   * Successive transitions of one operation (each expecting the version the
   * one before produces), committed in the same transaction when they land
   * in one batch, in order when they do not.
   */
  /**
   * Audit events that go with no state change (lock releases after a final
   * transition), written in the next batch: one chain-lock hold for both.
   */
  async appendEvents(events: AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    events.forEach(assertValidAuditInput);
    await this.group.submit([{ write: null, events }]);
  }

  async commitAll(items: (Item & { write: TransitionWrite })[]): Promise<void> {
    for (const item of items) item.events.forEach(assertValidAuditInput); // one bad event must not fail a whole batch
    const outcomes = await this.group.submit(items);
    const refused = outcomes.findIndex((applied) => !applied);
    if (refused >= 0) {
      const write = items[refused]!.write;
      const t = write.transition;
      throw new AppError("VERSION_CONFLICT", `Operation ${write.operationId} changed before the move ${t.from} → ${t.to} could be written (expected version ${write.expectedVersion}${write.expectedOwner ? `, claimed by ${write.expectedOwner}` : ""})`, {
        operationId: write.operationId,
        from: t.from,
        to: t.to,
        expectedVersion: write.expectedVersion,
      });
    }
  }

  private async writeBatch(items: Item[]): Promise<boolean[]> {
    // Two writes to one operation in a batch (a worker's step and a person's
    // cancel) go in successive statements, so the second sees the first's version.
    const rounds: number[][] = [];
    const roundOf = new Map<string, number>();
    items.forEach((item, i) => {
      if (!item.write) return;
      const round = (roundOf.get(item.write.operationId) ?? -1) + 1;
      roundOf.set(item.write.operationId, round);
      (rounds[round] ??= []).push(i);
    });
    let records: AuditRecord[] = [];
    const applied = await this.store.transact(async (tx) => {
      const applied = items.map((item) => item.write === null);
      for (const round of rounds) {
        const ok = await this.store.applyTransitions(tx, round.map((i) => items[i]!.write!));
        round.forEach((i, k) => (applied[i] = ok[k]!));
      }
      const events = items.flatMap((item, i) => (applied[i] ? item.events : []));
      if (events.length > 0) records = await this.audit.appendInTransaction(tx, events);
      return applied;
    });
    this.audit.committed(records);
    return applied;
  }
}
