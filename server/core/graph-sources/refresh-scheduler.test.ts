import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunTrigger } from "./ports";
import { GraphRefreshScheduler } from "./refresh-scheduler";

afterEach(() => {
  vi.useRealTimers();
});

describe("the refresh schedule", () => {
  it("refreshes at start-up, then once per interval, skipping a tick while a refresh still runs; stop waits for it", async () => {
    vi.useFakeTimers();
    const triggers: RunTrigger[] = [];
    let release: () => void = () => {};
    const scheduler = new GraphRefreshScheduler(
      (trigger) => {
        triggers.push(trigger);
        return new Promise<void>((resolve) => (release = resolve));
      },
      60_000,
      () => {},
    );
    scheduler.start();
    expect(triggers).toEqual(["STARTUP"]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(triggers).toEqual(["STARTUP"]);
    release();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(triggers).toEqual(["STARTUP", "INTERVAL"]);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    await vi.advanceTimersByTimeAsync(600_000);
    expect(triggers).toEqual(["STARTUP", "INTERVAL"]);
  });

  it("with an interval of 0 refreshes only on request, and reports a failed refresh instead of throwing", async () => {
    const triggers: RunTrigger[] = [];
    const off = new GraphRefreshScheduler(async (t) => void triggers.push(t), 0, () => {});
    off.start();
    expect(triggers).toEqual([]);
    const errors: unknown[] = [];
    const failing = new GraphRefreshScheduler(() => Promise.reject(new Error("boom")), 60_000, (e) => errors.push(e));
    failing.start();
    await failing.stop();
    expect(errors).toEqual([new Error("boom")]);
  });
});
