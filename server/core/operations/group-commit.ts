/**
 * Collects work items from concurrent callers and writes them in batches: the
 * first caller to find the queue idle writes everything queued so far in one
 * transaction, the others' items ride along. A batch of 200 costs about the
 * round trips of one, which is what lets the orchestrator run faster than one
 * transaction per step. Up to `maxInFlight` batches are written at once, so
 * one batch's statements overlap another's commit. `write` returns one
 * outcome per item, or throws to fail the whole batch (a store error).
 */
export class GroupCommit<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch: number,
    private readonly maxInFlight = 1,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // One turn of the event loop lets every caller whose previous write just
    // resolved queue its next one, so batches fill instead of trickling.
    setImmediate(() => {
      this.scheduled = false;
      if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.write(batch.map((b) => b.item))
        .then(
          (outcomes) => batch.forEach((b, i) => b.resolve(outcomes[i]!)),
          (error: unknown) => batch.forEach((b) => b.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
      this.schedule();
    });
  }
}
