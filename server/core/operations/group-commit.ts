/**
 * Collects work items from concurrent callers and writes them in batches: the
 * first caller to find the queue idle writes everything queued so far in one
 * transaction, the others' items ride along. A batch of 200 costs about the
 * round trips of one, which is what lets the orchestrator run faster than one
 * transaction per step. `write` returns one outcome per item, or throws to
 * fail the whole batch (a store error).
 */
export class GroupCommit<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch: number,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        // One turn of the event loop lets every caller whose previous write just
        // resolved queue its next one, so batches fill instead of trickling.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const outcomes = await this.write(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(outcomes[i]!));
        } catch (error) {
          batch.forEach((b) => b.reject(error));
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
