import type { AuditLog } from "../audit/audit-log";
import { assertValidAuditInput } from "../audit/audit-log";
import type { AuditEventInput } from "../audit/types";
import { AppError } from "../errors";
import { GroupCommit } from "./group-commit";
import type { OperationStore, TransitionWrite } from "./ports";

interface Item {
  write: TransitionWrite;
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
  private readonly group: GroupCommit<Item, boolean>;

  constructor(
    private readonly store: OperationStore,
    private readonly audit: AuditLog,
    maxBatch: number,
  ) {
    this.group = new GroupCommit((items) => this.writeBatch(items), maxBatch);
  }

  async commit(write: TransitionWrite, events: AuditEventInput[]): Promise<void> {
    events.forEach(assertValidAuditInput); // one bad event must not fail a whole batch
    const applied = await this.group.submit({ write, events });
    if (!applied) {
      const t = write.transition;
      throw new AppError("VERSION_CONFLICT", `Operation ${write.operationId} changed before the move ${t.from} → ${t.to} could be written (expected version ${write.expectedVersion}${write.expectedOwner ? `, claimed by ${write.expectedOwner}` : ""})`, {
        operationId: write.operationId,
        from: t.from,
        to: t.to,
        expectedVersion: write.expectedVersion,
      });
    }
  }

  private writeBatch(items: Item[]): Promise<boolean[]> {
    // Two writes to one operation in a batch (a worker's step and a person's
    // cancel) go in successive statements, so the second sees the first's version.
    const rounds: number[][] = [];
    const roundOf = new Map<string, number>();
    items.forEach((item, i) => {
      const round = (roundOf.get(item.write.operationId) ?? -1) + 1;
      roundOf.set(item.write.operationId, round);
      (rounds[round] ??= []).push(i);
    });
    return this.store.transact(async (tx) => {
      const applied = new Array<boolean>(items.length).fill(false);
      for (const round of rounds) {
        const ok = await this.store.applyTransitions(tx, round.map((i) => items[i]!.write));
        round.forEach((i, k) => (applied[i] = ok[k]!));
      }
      const events = items.flatMap((item, i) => (applied[i] ? item.events : []));
      if (events.length > 0) await this.audit.appendInTransaction(tx, events);
      return applied;
    });
  }
}
