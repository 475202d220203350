// What holds changes back now (GET /api/v1/change-control, the console's
// banner on every page): the halts in force, the deny windows with an
// occurrence in force, and the allow windows that are closed now
// (docs/freezes.md#the-banner). Read, never cached: the banner must not show a
// lifted halt.
import type { Clock } from "../clock";
import { FREEZE_HORIZON_MS } from "./evaluate-freeze";
import type { HaltReader } from "./ports";
import type { FreezeWindow, Halt } from "./types";
import { nextOccurrenceAfter, occurrencesBetween, windowsInForceAt } from "./window-calendar";

export interface WindowInForce {
  window: FreezeWindow;
  /** DENY_WINDOW: a deny window's occurrence is on. OUTSIDE_ALLOW: an allow window is closed, so changes in its scope wait for its next opening. */
  kind: "DENY_WINDOW" | "OUTSIDE_ALLOW";
  since: Date;
  /** The occurrence's end, or the allow window's next opening; null when it has none within the horizon. */
  until: Date | null;
}

export interface ChangeControlNow {
  at: Date;
  halts: Halt[];
  windows: WindowInForce[];
}

/**
 * The windows in force at `now`. Pure. An allow window counts as closed only
 * when no other enabled allow window with the same scope is open: the banner
 * does not know which operation will come, so it shows each scope's state
 * (the FREEZE gate decides per operation, docs/freezes.md#the-freeze-gate).
 */
export function windowsHoldingAt(windows: readonly FreezeWindow[], now: Date): WindowInForce[] {
  const deny = windowsInForceAt(
    windows.filter((w) => w.kind === "DENY"),
    now,
  ).map(({ window, occurrence }): WindowInForce => ({ window, kind: "DENY_WINDOW", since: occurrence.start, until: occurrence.end }));
  const allows = windows.filter((w) => w.enabled && w.kind === "ALLOW");
  const open = new Set(windowsInForceAt(allows, now).map(({ window }) => scopeKey(window)));
  const closed = allows
    .filter((w) => !open.has(scopeKey(w)))
    .map((window): WindowInForce => {
      const ends = occurrencesBetween(window, new Date(now.getTime() - FREEZE_HORIZON_MS), now)
        .map((o) => o.end.getTime())
        .filter((t) => t <= now.getTime());
      return { window, kind: "OUTSIDE_ALLOW", since: new Date(ends.length > 0 ? Math.max(...ends) : window.updatedAt.getTime()), until: nextOccurrenceAfter(window, now, FREEZE_HORIZON_MS)?.start ?? null };
    });
  return [...deny, ...closed].sort((a, b) => a.since.getTime() - b.since.getTime());
}

function scopeKey(w: FreezeWindow): string {
  const sorted = <T>(xs: readonly T[]) => [...xs].map(String).sort();
  return JSON.stringify([sorted(w.scope.services), sorted(w.scope.teams), sorted(w.scope.tiers), sorted(w.scope.types)]);
}

export interface ChangeControlDeps {
  halts: HaltReader;
  /** Every freeze window defined (enabled or not). */
  windows: () => Promise<readonly FreezeWindow[]>;
  clock: Clock;
}

export async function changeControlNow(deps: ChangeControlDeps): Promise<ChangeControlNow> {
  const at = deps.clock.now();
  const [halts, windows] = await Promise.all([deps.halts.haltsInForce(at), deps.windows()]);
  return { at, halts, windows: windowsHoldingAt(windows, at) };
}
