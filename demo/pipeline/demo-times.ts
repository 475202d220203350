// The demo's figures on one time basis at a time (docs/demo.md#time-in-the-demo).
// The demo's simulated waits (trace indexing, the image build, the canary
// bakes, the observation window) run `timeScale` times faster than the
// systems they stand for, so a run's wall time is that many times shorter than
// the same incident would take. Its MTTR is therefore stated on the simulated
// basis (wall time × time scale), with the wall time beside it, and only that
// simulated figure is compared with the manual baseline, which is real-world
// minutes. Interlock's own work (the conflict check, the locks, the gates) is
// not scaled: it is reported apart, in real milliseconds, and never put in a
// ratio with simulated time.
//
// Pure functions, safe for the browser: the CLI, the API's run view and the
// console's demo page all word the figures the same way.

/** The states in which the orchestrator decides whether and how a change may run: the conflict check and taking the locks (INIT), the gates (LOCKED, SAFETY_CHECK). */
const DECIDING_STATES = new Set(["INIT", "LOCKED", "SAFETY_CHECK"]);

/**
 * The wall time one operation spent being decided on: its time in INIT,
 * LOCKED and SAFETY_CHECK, from its creation and its stored transitions (a
 * wait in line for the service counts, as it is time spent before the change
 * may run; a review's wait for a person does not, nor does the run itself).
 */
export function decisionMs(createdAt: Date, transitions: readonly { from: string | null; to: string; version: number; at: Date }[]): number {
  let total = 0;
  let since = createdAt.getTime();
  for (const t of [...transitions].sort((a, b) => a.version - b.version)) {
    const at = t.at.getTime();
    if (t.from !== null && DECIDING_STATES.has(t.from)) total += Math.max(0, at - since);
    since = at;
  }
  return total;
}

export interface DemoTimes {
  /** SIMULATION_TIME_SCALE of the run: simulated waits ran this many times faster. */
  timeScale: number;
  /** Detected → resolved on the wall clock. */
  wallMs: number;
  /** The same on the simulated basis: wall time × time scale. */
  simulatedMs: number;
  /** The manual baseline (the incident setting manualMttrMinutes): real-world time, the simulated basis's own. */
  manualMs: number;
  /** Manual baseline − simulated MTTR; negative when the run took longer than the baseline. */
  differenceMs: number;
  /** Manual baseline ÷ simulated MTTR, both on the simulated basis; null for an MTTR of 0. */
  manualRatio: number | null;
  /** Interlock's own decision time (conflict checks, locks, gates) over the run's operations, real time; null when not measured. */
  orchestratorMs: number | null;
  /** How many operations `orchestratorMs` covers. */
  operations: number;
  text: {
    /** "28 min 24 s of simulated time, run 60× faster: 28.4 s of wall time" */
    mttr: string;
    /** "against 45 min by hand: 16 min 36 s less (the manual baseline is 1.6× as long)" */
    versusManual: string;
    /** "84 ms of real time deciding (conflict checks, locks, gates) for 2 operations, not scaled" */
    orchestrator: string | null;
  };
}

/** "850 ms", "28.4 s", "28 min 24 s", "2 h 05 min". */
export function formatSpan(ms: number): string {
  const seconds = Math.abs(ms) / 1000;
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** A duration measured on the wall clock, restated on the simulated basis: "28 min 24 s of simulated time, run 60× faster: 28.4 s of wall time". */
export function simulatedAndWall(wallMs: number, timeScale: number): string {
  if (timeScale === 1) return `${formatSpan(wallMs)} (time scale 1: simulated waits ran in real time)`;
  return `${formatSpan(wallMs * timeScale)} of simulated time, run ${timeScale}× faster: ${formatSpan(wallMs)} of wall time`;
}

const oneDecimal = (n: number) => (n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10));

/** The run's MTTR on the simulated basis, its comparison with the manual baseline on that basis, and Interlock's own share apart. */
export function demoTimes(input: { wallMs: number; timeScale: number; manualMttrMinutes: number; orchestratorMs: number | null; operations?: number }): DemoTimes {
  const timeScale = Math.max(1, input.timeScale);
  const simulatedMs = input.wallMs * timeScale;
  const manualMs = input.manualMttrMinutes * 60_000;
  const differenceMs = manualMs - simulatedMs;
  const manualRatio = simulatedMs > 0 ? manualMs / simulatedMs : null;
  const manual = formatSpan(manualMs);
  const versusManual =
    differenceMs === 0
      ? `against ${manual} by hand: the same`
      : `against ${manual} by hand: ${formatSpan(differenceMs)} ${differenceMs > 0 ? "less" : "more"}` +
        (manualRatio !== null ? ` (the manual baseline is ${manualRatio >= 1 ? `${oneDecimal(manualRatio)}× as long` : `${oneDecimal(manualRatio * 100)} % of it`})` : "");
  const operations = input.operations ?? 0;
  const orchestrator =
    input.orchestratorMs === null
      ? null
      : `${formatSpan(input.orchestratorMs)} of real time deciding (conflict checks, locks, gates)${operations ? ` for ${operations} operation${operations === 1 ? "" : "s"}` : ""}, not scaled`;
  return {
    timeScale,
    wallMs: input.wallMs,
    simulatedMs,
    manualMs,
    differenceMs,
    manualRatio: manualRatio === null ? null : Math.round(manualRatio * 100) / 100,
    orchestratorMs: input.orchestratorMs,
    operations,
    text: { mttr: simulatedAndWall(input.wallMs, timeScale), versusManual, orchestrator },
  };
}
