import type { FinishedOperationRef, OperationRef } from "../conflicts/types";
import type { OperationStore } from "./ports";

export interface Neighbourhood {
  /** Unfinished operations on the related services, with their place in line (state, priority, arrival, started). */
  inFlight: OperationRef[];
  /** Changes on the related services that finished inside the timing window. */
  recentlyFinished: FinishedOperationRef[];
  /** When the last change to the candidate's own service finished (the COOLDOWN gate). */
  lastChangeFinishedAt: Date | null;
}

interface Request {
  candidateId: string;
  service: string;
  seq: bigint;
  related: string[];
  since: Date;
  resolve: (n: Neighbourhood) => void;
  reject: (e: unknown) => void;
}

/**
 * What the conflict check and the cooldown gate read about an operation's
 * neighbourhood, loaded for every operation being checked in the same turn of
 * the event loop with one query, then split per candidate: under load,
 * hundreds of checks cost one round trip instead of three each.
 */
export class NeighbourhoodLoader {
  private pending: Request[] = [];
  private scheduled = false;

  constructor(private readonly store: OperationStore) {}

  load(candidate: { id: string; service: string; seq: bigint }, related: string[], since: Date): Promise<Neighbourhood> {
    return new Promise((resolve, reject) => {
      this.pending.push({ candidateId: candidate.id, service: candidate.service, seq: candidate.seq, related, since, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    try {
      const services = [...new Set(batch.flatMap((r) => r.related))];
      const since = new Date(Math.min(...batch.map((r) => r.since.getTime())));
      const { operations, lastChange } = await this.store.loadNeighbourhood(services, since, [...new Set(batch.map((r) => r.service))]);
      for (const r of batch) {
        const related = new Set(r.related);
        const inFlight: OperationRef[] = [];
        const recentlyFinished: FinishedOperationRef[] = [];
        for (const op of operations) {
          if (op.id === r.candidateId || !related.has(op.service)) continue;
          if (op.finishedAt === null) {
            // All of them: the line for the candidate's own service also looks at work that
            // arrived later (a ROLLBACK goes ahead); detectConflicts keeps arrival order for the rest.
            inFlight.push(op);
          } else if (op.finishedAt.getTime() >= r.since.getTime()) {
            recentlyFinished.push({ ...op, finishedAt: op.finishedAt });
          }
        }
        r.resolve({ inFlight, recentlyFinished, lastChangeFinishedAt: lastChange.get(r.service) ?? null });
      }
    } catch (error) {
      for (const r of batch) r.reject(error);
    }
  }
}
