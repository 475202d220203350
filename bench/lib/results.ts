// What bench/run.ts records of a benchmark and scripts/bench-docs.ts renders:
// bench/results/<name>.json, the latest full (not --quick) run of each benchmark,
// with every repetition's final JSON line; and bench/results/<name>.history.jsonl, one
// aggregated line appended per invocation (quick ones included, marked).
import fs from "node:fs";
import path from "node:path";
import type { Spread } from "./stats";

export type FigureValue = number | string | boolean | null;
export type Figures = Record<string, FigureValue>;

export interface MachineFacts {
  cores: number;
  cpu_model: string;
  memory_gb: number;
  os: string;
  node: string;
  postgres: string | null;
  redis: string | null;
  /** The 1, 5 and 15 minute load averages when the benchmark started. */
  load_average: number[];
  commit: string | null;
  /** The work tree had uncommitted changes to tracked files. */
  dirty: boolean | null;
}

export interface BenchRecord {
  bench: string;
  /** How it was run, e.g. "npm run bench -- locks". */
  command: string;
  quick: boolean;
  /** A variant's name (--tag), recorded apart from the benchmark's main results. */
  tag: string | null;
  /** BENCH_* variables set for the run. */
  env: Record<string, string>;
  started_at: string;
  finished_at: string;
  seconds: number;
  machine: MachineFacts;
  /** Each repetition's final JSON line, in order. */
  runs: Figures[];
  /** Every numeric figure across the repetitions. */
  summary: Record<string, Spread>;
  /** The line the runner printed last: medians, plus `spread` (min, max) per figure. */
  final: Record<string, unknown>;
}

export const RESULTS_DIR = path.join(import.meta.dirname, "..", "results");

/** <bench>.json for a full run; a tagged variant (e.g. a different client setting) <bench>.<tag>.json, shown in the docs after the main results; a quick run <bench>[.<tag>].quick.json, which the docs leave out. */
export function resultPath(bench: string, quick: boolean, tag: string | null = null): string {
  return path.join(RESULTS_DIR, [bench, tag, quick ? "quick" : null, "json"].filter(Boolean).join("."));
}

export function readRecords(): BenchRecord[] {
  if (!fs.existsSync(RESULTS_DIR)) return [];
  return fs
    .readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".quick.json"))
    .map((f) => JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, f), "utf8")) as BenchRecord);
}
