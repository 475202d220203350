// `npm run bench:docs`: renders docs/benchmarks.md from the benchmarks' recorded
// results (bench/results/<name>.json, written by `npm run bench -- <name>`), with
// the tables and ratio bases of bench/lib/layouts.ts. Nothing in the page is
// typed by hand: re-run a benchmark, then this, to change it.
import fs from "node:fs";
import path from "node:path";
import { LAYOUTS, SHARED_DEFINITIONS, type Layout } from "../bench/lib/layouts";
import { readRecords, type BenchRecord } from "../bench/lib/results";
import type { Spread } from "../bench/lib/stats";

const OUT = path.join(import.meta.dirname, "..", "docs", "benchmarks.md");

function num(v: number): string {
  const a = Math.abs(v);
  if (a >= 100 || (a >= 1 && Number.isInteger(v))) return Math.round(v).toLocaleString("en");
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.1) return v.toFixed(2);
  if (a === 0) return "0";
  return String(Number(v.toPrecision(2)));
}

function cell(record: BenchRecord, key: string | null): string {
  if (key === null) return "";
  const s: Spread | undefined = record.summary[key];
  if (!s) {
    const value = record.final[key];
    return value === undefined || value === null ? "n/a" : String(value);
  }
  return s.min === s.max ? num(s.median) : `${num(s.median)} (${num(s.min)}–${num(s.max)})`;
}

function machineLine(r: BenchRecord): string {
  const m = r.machine;
  const date = r.started_at.replace("T", " ").replace(/:\d\d\.\d+Z$/, " UTC");
  const tree = m.commit ? `commit ${m.commit}${m.dirty ? " with uncommitted changes" : ""}` : "commit unknown";
  return [
    `Run ${date}: ${r.runs.length} runs in ${Math.round(r.seconds)} s.`,
    `${m.cores} cores (${m.cpu_model}), ${m.memory_gb} GB, ${m.os}; Node ${m.node}; Postgres ${m.postgres ?? "n/a"}; Redis ${m.redis ?? "n/a"}; ${tree}.`,
    `Load average at the start: ${m.load_average.join(" / ")} (1 / 5 / 15 min).`,
  ].join(" ");
}

/** Whether a record has the figure at all: a variant recorded before a contender was added lacks its keys, and leaves those rows out rather than showing n/a. */
function measured(record: BenchRecord, key: string | null): boolean {
  return key === null || key in record.summary || (record.final[key] !== undefined && record.final[key] !== null);
}

function renderVariant(layout: Layout, record: BenchRecord): string[] {
  const out = [`### Variant: ${record.tag}`, "", `\`${Object.entries(record.env).map(([k, v]) => `${k}=${v}`).join(" ")} ${record.command}\``, "", `_${machineLine(record)}_`, ""];
  const table = layout.tables[0];
  if (table) {
    out.push(`**${table.title}** — median of ${record.runs.length} runs (min–max)`, "");
    out.push(`| | ${table.columns.join(" | ")} |`, `|---|${table.columns.map(() => "---").join("|")}|`);
    for (const row of table.rows) if (row.keys.some((k) => k !== null && measured(record, k))) out.push(`| ${row.label} | ${row.keys.map((k) => cell(record, k)).join(" | ")} |`);
    out.push("");
  }
  if (layout.ratios.length > 0) {
    out.push("| ratio | value | target |", "|---|---|---|");
    for (const ratio of layout.ratios) if (measured(record, ratio.key)) out.push(`| ${ratio.label} | **${cell(record, ratio.key)}** | ${ratio.target ?? "—"} |`);
    out.push("");
  }
  return out;
}

function renderBench(layout: Layout, record: BenchRecord | undefined): string[] {
  const out = [`## ${layout.title}`, ""];
  out.push(`\`npm run bench -- ${layout.name}\` (needs ${layout.needs}).`, "");
  for (const paragraph of layout.what) out.push(paragraph, "");
  if (!record) {
    out.push(`_No results recorded yet: run \`npm run bench -- ${layout.name}\`, then \`npm run bench:docs\`._`, "");
    return out;
  }
  out.push(`_${machineLine(record)}${Object.keys(record.env).length ? ` Settings: ${Object.entries(record.env).map(([k, v]) => `${k}=${v}`).join(", ")}.` : ""}_`, "");
  for (const table of layout.tables) {
    out.push(`**${table.title}** — median of ${record.runs.length} runs (min–max)`, "");
    out.push(`| | ${table.columns.join(" | ")} |`, `|---|${table.columns.map(() => "---").join("|")}|`);
    for (const row of table.rows) out.push(`| ${row.label} | ${row.keys.map((k) => cell(record, k)).join(" | ")} |`);
    out.push("");
  }
  if (layout.ratios.length > 0) {
    out.push("**Ratios** — median of the per-run ratios (min–max)", "", "| ratio | value | target | basis |", "|---|---|---|---|");
    for (const ratio of layout.ratios) out.push(`| ${ratio.label} | **${cell(record, ratio.key)}** | ${ratio.target ?? "—"} | ${ratio.basis} |`);
    out.push("");
  }
  for (const note of layout.notes ?? []) out.push(note, "");
  out.push(`Last line of the runner (medians; \`spread\` holds each figure's min and max):`, "", "```json", JSON.stringify(record.final), "```", "");
  return out;
}

const all = readRecords();
const records = new Map(all.filter((r) => !r.tag).map((r) => [r.bench, r]));
const variants = all.filter((r) => r.tag).sort((a, b) => String(a.tag).localeCompare(String(b.tag)));
const lines: string[] = [
  "# Benchmarks",
  "",
  "<!-- Generated by `npm run bench:docs` (scripts/bench-docs.ts) from bench/results/*.json. Do not edit: re-run the benchmarks and regenerate. -->",
  "",
  "Every figure here was measured, not typed: `npm run bench -- <name>` runs a benchmark three times, each in a fresh process on fresh databases, records every run's final JSON line in `bench/results/<name>.json`, and this page is rendered from those files by `npm run bench:docs`.",
  "",
  "```sh",
  "npm run bench -- all            # every benchmark, 3 runs each (or: audit, conflicts, graph, intake, locks, orchestrator, signin, store)",
  "npm run bench -- locks --quick  # a short check that a benchmark works; its figures are not recorded here",
  "npm run bench:docs              # render this page from bench/results/",
  "```",
  "",
  "How to read it:",
  "",
  "- **Median of at least three runs, with the spread (min–max)** in brackets. A ratio is computed inside each run, from two figures measured minutes apart on the same machine, and its median is the median of those per-run ratios.",
  "- **The machine is shared** (other work may run on it at the same time), so absolute figures vary from run to run; ratios within a run are what to compare. Each benchmark says when it ran and what the load was when it started.",
  `- ${SHARED_DEFINITIONS.pgReference}`,
  `- ${SHARED_DEFINITIONS.cpu}`,
  "",
];

// At a glance: every ratio of every benchmark; the docs also show each variant's (a --tag run), the README only the main runs'.
const glance: string[] = [];
const headline: string[] = [];
for (const layout of LAYOUTS) {
  const record = records.get(layout.name);
  if (!record) continue;
  for (const ratio of layout.ratios) {
    const row = `| ${layout.name} | ${ratio.label} | **${cell(record, ratio.key)}** | ${ratio.target ?? "—"} |`;
    glance.push(row);
    headline.push(row);
  }
  for (const variant of variants.filter((v) => v.bench === layout.name)) {
    for (const ratio of layout.ratios) if (measured(variant, ratio.key)) glance.push(`| ${layout.name} (${variant.tag}) | ${ratio.label} | **${cell(variant, ratio.key)}** | ${ratio.target ?? "—"} |`);
  }
}
if (glance.length > 0) lines.push("## At a glance", "", "| benchmark | ratio | median (min–max) | target |", "|---|---|---|---|", ...glance, "");

for (const layout of LAYOUTS) {
  lines.push(...renderBench(layout, records.get(layout.name)));
  for (const variant of variants.filter((v) => v.bench === layout.name)) lines.push(...renderVariant(layout, variant));
}

fs.writeFileSync(OUT, `${lines.join("\n").trimEnd()}\n`);

// The README's headline table is the same "at a glance" rows, written between its markers, so
// the README never carries a figure typed by hand.
const README = path.join(path.dirname(OUT), "..", "README.md");
const BEGIN = "<!-- bench:glance:begin (generated by npm run bench:docs) -->";
const END = "<!-- bench:glance:end -->";
const readme = fs.readFileSync(README, "utf8");
const from = readme.indexOf(BEGIN);
const to = readme.indexOf(END);
if (from >= 0 && to > from) {
  const when = [...records.values()].map((r) => r.finished_at).sort().at(-1)?.slice(0, 10) ?? "never";
  const block = [BEGIN, "", `Medians of three runs (min–max), last measured ${when}; the basis of each ratio, and the variants, are in docs/benchmarks.md.`, "", "| benchmark | ratio | median (min–max) | target |", "|---|---|---|---|", ...headline, "", END];
  fs.writeFileSync(README, readme.slice(0, from) + block.join("\n") + readme.slice(to + END.length));
  console.log("updated README.md's benchmark table");
}
console.log(`wrote ${path.relative(process.cwd(), OUT)} from ${all.length} result file(s): ${all.map((r) => (r.tag ? `${r.bench}.${r.tag}` : r.bench)).sort().join(", ") || "none"}`);
