import { describe, expect, it } from "vitest";
import { nextCheckpointAt, unsignedGraceMs } from "./checkpoint-schedule";

const now = new Date("2026-12-07T10:00:00.000Z");
const t = now.getTime();
const config = { delayMs: 5_000, every: 1_000 };

describe("nextCheckpointAt", () => {
  it("nothing unsigned: no checkpoint", () => {
    expect(nextCheckpointAt({ oldestAtMs: null, count: 0 }, config, now)).toBeNull();
  });

  it("signs the delay after the first unsigned event, not later", () => {
    expect(nextCheckpointAt({ oldestAtMs: t - 1_000, count: 3 }, config, now)).toBe(t + 4_000);
    expect(nextCheckpointAt({ oldestAtMs: t - 5_000, count: 3 }, config, now)).toBe("now");
    expect(nextCheckpointAt({ oldestAtMs: t - 60_000, count: 3 }, config, now)).toBe("now");
  });

  it("signs at once when the count reaches AUDIT_CHECKPOINT_EVERY", () => {
    expect(nextCheckpointAt({ oldestAtMs: t, count: 1_000 }, config, now)).toBe("now");
    expect(nextCheckpointAt({ oldestAtMs: t, count: 999 }, config, now)).toBe(t + 5_000);
  });

  it("after a refusal, waits until the retry time whatever is due", () => {
    expect(nextCheckpointAt({ oldestAtMs: t - 60_000, count: 5_000 }, config, now, t + 30_000)).toBe(t + 30_000);
    expect(nextCheckpointAt({ oldestAtMs: t - 60_000, count: 5 }, config, now, t - 1)).toBe("now");
  });
});

describe("unsignedGraceMs", () => {
  it("is the sweep interval plus the delay: later than any running server would have signed", () => {
    expect(unsignedGraceMs({ delayMs: 5_000, intervalMs: 60_000 })).toBe(65_000);
    expect(unsignedGraceMs({ delayMs: 120_000, intervalMs: 60_000 })).toBe(240_000);
  });
});
