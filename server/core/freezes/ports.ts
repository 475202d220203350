import type { Halt } from "./types";

/**
 * The halts in force at `now`: those called by a person and not lifted, and
 * those an open incident holds (docs/freezes.md#stop-the-line). The FREEZE
 * gate and the console banner read them.
 */
export interface HaltReader {
  haltsInForce(now: Date): Promise<Halt[]>;
}
