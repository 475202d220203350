// `npm run bench -- <name|all> [--quick] [--runs N] [--tag T]`: runs bench/<name>.bench.ts
// N times (default 3), each time in a fresh process on fresh databases, and
// reports every figure as the median of the runs with its spread (min–max).
//   - each run's own table and final JSON line are printed as it goes;
//   - then the summary, and last a single JSON line: the medians under each
//     benchmark's usual keys, `runs`, and `spread` ({key: [min, max]});
//   - bench/results/<name>.json keeps every run's line and the machine's facts
//     (--quick runs go to <name>.quick.json instead); `npm run bench:docs` renders
//     docs/benchmarks.md from those files.
// --quick shortens every benchmark (BENCH_QUICK=1, see bench/lib/knobs.ts), for
// checking that they work; its figures are not for the docs. --tag T records a
// variant (say, BENCH_REDIS_AUTOPIPELINE=0 for the locks) in <name>.T.json; the
// docs show it after the benchmark's main results.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Redis from "ioredis";
import pg from "pg";
import { ADMIN_URL } from "../server/testing/postgres";
import { RESULTS_DIR, resultPath, type BenchRecord, type FigureValue, type Figures, type MachineFacts } from "./lib/results";
import { spreadOf, type Spread } from "./lib/stats";

const available = fs
  .readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(".bench.ts", ""))
  .sort();

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const tagAt = args.indexOf("--tag");
const tag = tagAt >= 0 ? (args[tagAt + 1] ?? "") : null;
const names = args.filter((a, i) => !a.startsWith("--") && !(runsAt >= 0 && i === runsAt + 1) && !(tagAt >= 0 && i === tagAt + 1));
const name = names[0];
if (!name || names.length > 1 || !(name === "all" || available.includes(name)) || !Number.isInteger(runs) || runs < 1 || (tag !== null && !/^[a-z0-9-]+$/.test(tag))) {
  console.error(`usage: npm run bench -- <${[...available, "all"].join("|")}> [--quick] [--runs N (default 3)] [--tag name]`);
  process.exit(2);
}
if (runs < 3) process.stderr.write(`note: ${runs} run(s); the docs expect at least 3 for a median and spread\n`);

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

async function machineFacts(): Promise<MachineFacts> {
  const git = (...argv: string[]) => {
    try {
      return execFileSync("git", ["--no-optional-locks", ...argv], { cwd: path.join(import.meta.dirname, ".."), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return null;
    }
  };
  let postgres: string | null = null;
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    postgres = String((await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]?.v ?? "");
  } catch {
    postgres = null;
  } finally {
    await client.end().catch(() => {});
  }
  let redis: string | null = null;
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  try {
    await r.connect();
    redis = /^redis_version:(.+)$/m.exec(await r.info("server"))?.[1]?.trim() ?? null;
  } catch {
    redis = null;
  } finally {
    r.disconnect();
  }
  const status = git("status", "--porcelain", "--untracked-files=no");
  return {
    cores: os.availableParallelism(),
    cpu_model: os.cpus()[0]?.model.trim() ?? "unknown",
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres,
    redis,
    load_average: os.loadavg().map((l) => Number(l.toFixed(2))),
    commit: git("rev-parse", "--short=12", "HEAD"),
    dirty: status === null ? null : status.length > 0,
  };
}

/** One run in a child process (the same Node flags as this one: tsx's loader, --conditions=react-server); resolves to its final JSON line. */
function runOnce(bench: string, index: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, path.join(import.meta.dirname, `${bench}.bench.ts`)], {
      env: { ...process.env, BENCH_QUICK: quick ? "1" : "0", BENCH_RUN_INDEX: String(index) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      process.stdout.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${bench} run ${index + 1} exited with ${code}`));
      const last = out.trimEnd().split("\n").at(-1) ?? "";
      try {
        const figures = JSON.parse(last) as Figures;
        if (figures.bench !== bench) throw new Error(`its last line names ${String(figures.bench)}`);
        resolve(figures);
      } catch (error) {
        reject(new Error(`${bench} run ${index + 1}: the last line is not its JSON figures (${error instanceof Error ? error.message : String(error)})`));
      }
    });
  });
}

function aggregate(bench: string, all: Figures[]): { summary: Record<string, Spread>; final: Record<string, unknown> } {
  const summary: Record<string, Spread> = {};
  const final: Record<string, unknown> = { bench };
  const spread: Record<string, [number, number]> = {};
  const keys = [...new Set(all.flatMap((f) => Object.keys(f)))].filter((k) => k !== "bench");
  for (const key of keys) {
    const values = all.map((f) => f[key]);
    const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    if (numbers.length === values.length && numbers.length > 0) {
      const s = spreadOf(numbers);
      summary[key] = s;
      const digits = Math.max(...numbers.map((n) => (String(n).split(".")[1] ?? "").length));
      final[key] = Number(s.median.toFixed(Math.min(3, digits + 1)));
      if (s.min !== s.max) spread[key] = [s.min, s.max];
    } else if (values.every((v) => typeof v === "boolean")) {
      final[key] = values.every(Boolean); // a target is met only if every run met it
    } else {
      const distinct = [...new Set(values.map((v: FigureValue | undefined) => (v === undefined ? null : v)))];
      final[key] = distinct.length === 1 ? distinct[0] : distinct;
    }
  }
  final.runs = all.length;
  if (quick) final.quick = true;
  if (tag) final.tag = tag;
  final.spread = spread;
  return { summary, final };
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en") : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3));

async function runBench(bench: string): Promise<Record<string, unknown>> {
  const machine = await machineFacts();
  const startedAt = new Date();
  const t0 = performance.now();
  const all: Figures[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`\n=== ${bench}: run ${i + 1} of ${runs}${quick ? " (quick)" : ""} ===\n`);
    const r0 = performance.now();
    all.push(await runOnce(bench, i));
    process.stderr.write(`=== ${bench}: run ${i + 1} took ${((performance.now() - r0) / 1000).toFixed(0)} s ===\n`);
  }
  const { summary, final } = aggregate(bench, all);
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("BENCH_") && e[1] !== undefined));
  const record: BenchRecord = {
    bench,
    command: `npm run bench -- ${bench}${quick ? " --quick" : ""}${runsAt >= 0 ? ` --runs ${runs}` : ""}${tag ? ` --tag ${tag}` : ""}`,
    quick,
    tag,
    env,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    seconds: Math.round((performance.now() - t0) / 1000),
    machine,
    runs: all,
    summary,
    final,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(resultPath(bench, quick, tag), `${JSON.stringify(record, null, 2)}\n`);
  fs.appendFileSync(path.join(RESULTS_DIR, `${bench}.history.jsonl`), `${JSON.stringify({ ...final, date: record.started_at, commit: machine.commit })}\n`);

  console.log(`\n${bench}: median of ${runs} runs [min – max] (${record.seconds} s in all; ${path.relative(process.cwd(), resultPath(bench, quick, tag))})\n`);
  const width = Math.max(...Object.keys(summary).map((k) => k.length));
  for (const [key, s] of Object.entries(summary)) {
    console.log(`${key.padEnd(width)}  ${fmt(s.median).padStart(10)}  [${fmt(s.min)} – ${fmt(s.max)}]`);
  }
  return final;
}

const benches = name === "all" ? available : [name];
let last: Record<string, unknown> = {};
const failed: string[] = [];
for (const bench of benches) {
  try {
    last = await runBench(bench);
  } catch (error) {
    // With `all`, one benchmark's failure does not stop the others.
    if (name !== "all") throw error;
    process.stderr.write(`\n${bench} FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    failed.push(bench);
  }
}
if (name === "all") process.stderr.write(`\n${failed.length ? `failed: ${failed.join(", ")}; ` : ""}render docs/benchmarks.md with: npm run bench:docs\n`);
if (failed.length) process.exitCode = 1;
// The last line: this benchmark's medians (for `all`, the last benchmark's; each is in bench/results/).
console.log(JSON.stringify(last));
