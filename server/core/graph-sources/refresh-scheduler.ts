// The refresh schedule (docs/graph-sources.md#refresh): one refresh of every
// configured source soon after the server starts, then one per
// GRAPH_REFRESH_INTERVAL. A tick that finds the previous refresh still running
// is skipped rather than queued; stop() waits for a running one to end.
import type { RunTrigger } from "./ports";

export class GraphRefreshScheduler {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly refresh: (trigger: RunTrigger) => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts the schedule: a STARTUP refresh now (not awaited, so a slow source never delays the start), then INTERVAL ones. */
  start(): void {
    if (this.timer || this.intervalMs <= 0) return;
    this.tick("STARTUP");
    this.timer = setInterval(() => this.tick("INTERVAL"), this.intervalMs);
    this.timer.unref?.();
  }

  /** Stops the schedule and waits for the refresh in progress, if any. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Whether a refresh started by the schedule is running now. */
  get busy(): boolean {
    return this.running !== null;
  }

  private tick(trigger: RunTrigger): void {
    if (this.running) return;
    this.running = this.refresh(trigger)
      .then(
        () => {},
        (error: unknown) => this.onError(error),
      )
      .finally(() => {
        this.running = null;
      });
  }
}
