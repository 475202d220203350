/**
 * Runs at most one `run()` per key at a time in this process: a caller that
 * arrives while one is running waits for it and gets its result instead of
 * starting another. Used where a request costs a full-table scan (audit
 * verification, docs/security.md#smaller-rules): a burst of requests costs one scan.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** The running call for `key`, or a new one; `joined` says whether this caller shared a run already under way. */
  async do(key: string, run: () => Promise<T>): Promise<{ value: T; joined: boolean }> {
    const inFlight = this.running.get(key);
    if (inFlight) return { value: await inFlight, joined: true };
    const started = run().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return { value: await started, joined: false };
  }

  /** How many keys have a run under way. */
  get size(): number {
    return this.running.size;
  }
}
