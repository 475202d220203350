import { OperationRun } from "./drive-operation";
import { expireReviews } from "./expire-reviews";
import { releaseOrphanedLocks } from "./release-orphaned-locks";
import type { OrchestratorDeps } from "./orchestrator-deps";

/**
 * One process's share of the work. It claims operations that need a worker
 * (new ones, ones a dead worker left, approved ones) under a lease in the
 * store, so each operation is driven by one worker at a time across every
 * process; renews its claims while it drives them; and hands back capacity as
 * runs finish. It is woken by submissions (LISTEN/NOTIFY across processes, a
 * direct poke within one) and polls as insurance.
 */
export class OperationWorker {
  private readonly runs = new Map<string, { run: OperationRun; done: Promise<void> }>();
  private claiming = false;
  private claimAgain = false;
  private stopped = true;
  private timers: ReturnType<typeof setInterval>[] = [];
  private unlisten: (() => Promise<void>) | null = null;
  /** Sweeps and claim renewals under way: stop() waits for them, so none touches a store its owner is about to close. */
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly deps: OrchestratorDeps,
    readonly workerId: string,
  ) {}

  get active(): number {
    return this.runs.size;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.unlisten = await this.deps.store.onWork((controlFor) => (controlFor ? void this.deliverControls([controlFor]) : this.poke()));
    const { pollMs, claimLeaseMs, sweepMs } = this.deps.config;
    this.timers = [
      setInterval(() => this.poke(), pollMs),
      setInterval(() => this.inBackground(() => this.renewClaims()), Math.max(50, Math.floor(claimLeaseMs / 3))),
      setInterval(() => this.inBackground(() => this.sweep()), sweepMs),
    ];
    for (const t of this.timers) t.unref?.();
    this.poke();
  }

  /** Resolves once this worker no longer drives `operationId` (its run reached a resting state and released its locks). */
  async settled(operationId: string): Promise<void> {
    await this.runs.get(operationId)?.done;
  }

  /** Stops claiming; waits (up to `graceMs`) for the runs under way to reach a resting state. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.unlisten?.().catch(() => {});
    this.unlisten = null;
    const pending = [...this.runs.values()].map((r) => r.done).concat([...this.background]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled(pending), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  /** Claims as much work as there is capacity for. */
  poke(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    void this.claimLoop().finally(() => {
      this.claiming = false;
      if (this.claimAgain && !this.stopped) {
        this.claimAgain = false;
        this.poke();
      }
    });
  }

  private async claimLoop(): Promise<void> {
    try {
      for (;;) {
        this.claimAgain = false;
        const capacity = this.deps.config.concurrency - this.runs.size;
        // A claim sorts every runnable operation: while busy, claim in batches, not for each freed slot.
        const worthClaiming = this.runs.size === 0 || capacity >= Math.max(1, Math.floor(this.deps.config.concurrency / 8));
        if (capacity <= 0 || !worthClaiming || this.stopped) return;
        const claimed = await this.deps.store.claim(this.workerId, capacity, this.deps.config.claimLeaseMs);
        for (const operation of claimed) {
          // Claimed again while this worker still drives it: its claim lapsed (a renewal
          // came too late) and nobody else took it. The earlier run's writes already fail
          // (the owner records the attempt); it is also stopped, and the new one starts
          // only once it has settled: never two runs of one operation at once.
          const previous = this.runs.get(operation.id);
          previous?.run.claimLost();
          const run = new OperationRun(this.deps, operation, this.workerId);
          const done = (previous?.done ?? Promise.resolve())
            .then(() => run.run())
            .catch((error) => this.deps.onBackgroundError(error, `operation ${operation.id}`))
            .finally(() => {
              if (this.runs.get(operation.id)?.run === run) this.runs.delete(operation.id);
              this.poke();
            });
          this.runs.set(operation.id, { run, done });
        }
        if (claimed.length < capacity && !this.claimAgain) return;
      }
    } catch (error) {
      this.deps.onBackgroundError(error, "claiming operations");
    }
  }

  /**
   * A person asked to pause or abort operations: the runs of this worker that
   * are executing them are told (the request is read back from the store, the
   * one place it is kept). Called on the store's notification and, as a
   * backstop for a lost one, at every claim renewal.
   */
  private async deliverControls(ids: string[]): Promise<void> {
    const executing = ids.filter((id) => this.runs.get(id)?.run.isExecuting);
    if (executing.length === 0) return;
    try {
      const controls = await this.deps.store.pendingControls(executing);
      for (const [id, control] of controls) this.runs.get(id)?.run.controlRequested(control);
    } catch (error) {
      this.deps.onBackgroundError(error, "reading control requests");
    }
  }

  private inBackground(pass: () => Promise<void>): void {
    if (this.stopped) return;
    const running = pass().finally(() => this.background.delete(running));
    this.background.add(running);
  }

  private async renewClaims(): Promise<void> {
    // The runs as they are now: one claimed again while the renewal is under way is not the one it lost.
    const entries = [...this.runs].map(([id, { run }]) => ({ id, run }));
    if (entries.length === 0) return;
    try {
      const kept = new Set(await this.deps.store.renewClaims(entries.map((e) => ({ id: e.id, owner: e.run.owner })), this.deps.config.claimLeaseMs));
      // A run that finished meanwhile gave its claim back itself; only live runs can have lost theirs.
      for (const { id, run } of entries) if (!kept.has(id)) run.claimLost();
      await this.deliverControls(entries.filter((e) => kept.has(e.id)).map((e) => e.id));
    } catch (error) {
      this.deps.onBackgroundError(error, "renewing operation claims");
    }
  }

  private async sweep(): Promise<void> {
    try {
      await expireReviews(this.deps);
    } catch (error) {
      this.deps.onBackgroundError(error, "expiring reviews");
    }
    try {
      await releaseOrphanedLocks(this.deps);
    } catch (error) {
      this.deps.onBackgroundError(error, "releasing orphaned locks");
    }
  }
}
