// `npm run bench -- graph`: the graph's one write path (docs/graph-changes.md)
// on a 10,000-service, 40,000-edge topology with 1,000 operations in flight.
//   - APPLY: a document with 1 % of the graph changed, through the PUT use case
//     (applyTopologyDocument: load, target, diff, in-flight impact, one
//     transaction with the incremental diff, provenance, revision and audit
//     event); the median of several applies one after the other;
//   - CHECKS: the orchestrator's conflict check (checkConflictsNow with a
//     revision-aware CachedGraphIndex, neighbourhood read included), p95 at rest,
//     then p95 while another process applies such documents (each apply makes
//     this process's index catch up in the background from the revision's kept
//     diff; checks keep the old index meanwhile).
// Targets: apply ≤ 2 s; p95 during applies ≤ 2× p95 at rest. One run prints
// its table, then one JSON line (the last line); bench/run.ts repeats it.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import path from "node:path";
import { openDatabase } from "../server/adapters/postgres/database";
import { PostgresGraphChangeStore } from "../server/adapters/postgres/graph-change-store";
import { applyMigrations } from "../server/adapters/postgres/migrate";
import { PostgresOperationStore } from "../server/adapters/postgres/operation-store";
import { PostgresGraphStore } from "../server/adapters/postgres/postgres-graph-store";
import { DEFAULT_CONFLICT_POLICY } from "../server/core/conflicts/policy";
import { OPERATION_TYPES, type OperationType } from "../server/core/conflicts/types";
import { applyTopologyDocument } from "../server/core/graph/apply-topology-document";
import { CachedGraphIndex } from "../server/core/graph/cached-graph-index";
import { generateSyntheticTopology, mulberry32 } from "../server/core/graph/generate-synthetic-topology";
import { perturbTopology } from "../server/core/graph/perturb-topology";
import { checkConflictsNow, type ConflictSubject } from "../server/core/operations/check-conflicts-now";
import { NeighbourhoodLoader } from "../server/core/operations/neighbourhood-loader";
import { auditFixture } from "../server/testing/audit";
import { createTestDatabase } from "../server/testing/postgres";
import { knob } from "./lib/knobs";
import { percentile, round } from "./lib/stats";

const SERVICES = knob("BENCH_SERVICES", 10_000, 2_000);
const EDGES = knob("BENCH_EDGES", 40_000, 8_000);
const INFLIGHT = knob("BENCH_INFLIGHT", 1_000, 200);
const APPLIES = knob("BENCH_APPLIES", 5, 3);
// The other process's applies while this one checks: ten give ~2,500 checks, so that a p95 rests on ~125 of them.
const DURING_APPLIES = knob("BENCH_DURING_APPLIES", 10, 3);
const CHECKS = knob("BENCH_CHECKS", 3_000, 500);
const WARMUP = 200;
// BENCH_GRAPH_CATCH_UP=0 (run with --tag whole-reload): the checking process reads the whole graph at every
// revision instead of catching up from the kept diffs, to show what catching up saves.
const CATCH_UP = process.env.BENCH_GRAPH_CATCH_UP !== "0";
const TARGET_APPLY_MS = 2_000;

const p95 = (values: number[]) => percentile([...values].sort((a, b) => a - b), 0.95);
const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 0.5);

const testDb = await createTestDatabase("bench_graph");
const db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 4 });
const rows: [string, string][] = [];
let summary: Record<string, unknown>;
const audit = auditFixture(db, { checkpointIntervalMs: 3_600_000 });
try {
  await applyMigrations(db);
  const store = new PostgresGraphChangeStore(db);
  // Where an apply's time goes: the store's calls timed on their way (the rest is computation in this process).
  const spent = new Map<string, number>();
  const timed = <T>(label: string, fn: () => Promise<T>) => {
    const started = performance.now();
    return fn().finally(() => spent.set(label, (spent.get(label) ?? 0) + performance.now() - started));
  };
  const changes = Object.assign(Object.create(store) as PostgresGraphChangeStore, {
    loadForDocument: () => timed("load", () => store.loadForDocument()),
    inFlightOperations: () => timed("in-flight read", () => store.inFlightOperations()),
    transact: <T>(fn: Parameters<PostgresGraphChangeStore["transact"]>[0]) => timed("transaction", () => store.transact(fn as never) as Promise<T>),
  });
  const admin = { actor: "bench", role: "ADMIN" as const };
  const options = { source: "FILE" as const, origin: "bench.yaml", observed: "keep" as const };
  const index = new CachedGraphIndex(new PostgresGraphStore(db), 3_600_000, {
    revision: () => changes.revision(),
    loadRevisioned: () => changes.loadRevisioned(),
    diffsSince: CATCH_UP ? (r: number) => changes.revisionDiffsSince(r) : undefined,
  });
  const deps = { changes, audit: audit.log, clock: { now: () => new Date(), nowMicros: () => BigInt(Date.now()) * 1000n }, graphIndex: index, conflictPolicy: async () => DEFAULT_CONFLICT_POLICY };

  let graph = generateSyntheticTopology({ services: SERVICES, dependencies: EDGES, resourceGroups: 50, seed: 42 });
  const firstStarted = performance.now();
  await applyTopologyDocument(deps, graph, options, admin);
  const firstMs = performance.now() - firstStarted;

  // Operations in flight, as real rows: every apply computes whose conflicts it changes.
  const random = mulberry32(7);
  const names = graph.services.map((s) => s.name);
  const pick = () => names[Math.floor(random() * names.length)]!;
  const type = (): OperationType => OPERATION_TYPES[Math.floor(random() * OPERATION_TYPES.length)]!;
  const ops = Array.from({ length: INFLIGHT }, () => ({ id: crypto.randomUUID(), type: type(), service: pick() }));
  await db.query(
    `INSERT INTO operations (id, type, service_id, actor, actor_kind, correlation_id, params_hash, inflight_key, params, state, created_at, updated_at)
     SELECT w.id, w.type::"OperationType", s.id, 'bench', 'AUTOMATION', w.id::text, 'h', w.id::text, '{}', 'IN_PROGRESS', now(), now()
       FROM jsonb_to_recordset($1::jsonb) AS w(id uuid, type text, service text) JOIN services s ON s.name = w.service`,
    [JSON.stringify(ops)],
  );
  await db.query(`ANALYZE`);
  // Services never removed by the perturbations below: the ones operations refer to.
  const referenced = new Set(ops.map((o) => o.service));

  // APPLY, one after the other, nothing else running.
  const applyTimes: number[] = [];
  spent.clear();
  let inFlightChanged = 0;
  let elements = 0;
  for (let i = 0; i < APPLIES; i++) {
    graph = perturbTopology(graph, { share: 0.01, seed: 1_000 + i, keep: referenced });
    const started = performance.now();
    const result = await applyTopologyDocument(deps, graph, options, admin);
    applyTimes.push(performance.now() - started);
    inFlightChanged += result.inFlight.length;
    elements += result.summary.added + result.summary.removed + result.summary.changed;
  }

  const breakdown = [...spent].map(([k, v]) => [k, v / APPLIES] as const);
  const accounted = breakdown.reduce((n, [, v]) => n + v, 0);

  // CHECKS at rest, then during applies by another process.
  const operations = new PostgresOperationStore(db);
  const checkDeps = { conflictPolicy: async () => DEFAULT_CONFLICT_POLICY, graph: index, neighbourhood: new NeighbourhoodLoader(operations) };
  const subject = (): ConflictSubject => ({ id: crypto.randomUUID(), type: type(), service: pick(), actor: "alice", createdAt: new Date(), params: {}, correlationId: "c", priority: 0 });
  await index.current(new Date());
  const timeCheck = async () => {
    const s = subject();
    const started = performance.now();
    try {
      await checkConflictsNow(checkDeps, s, new Date());
    } catch {
      // A service removed by a change since it was picked: not a check.
      return null;
    }
    return performance.now() - started;
  };
  for (let i = 0; i < WARMUP; i++) await timeCheck();
  const atRest: number[] = [];
  while (atRest.length < CHECKS) {
    const ms = await timeCheck();
    if (ms !== null) atRest.push(ms);
  }

  const root = path.resolve(import.meta.dirname, "..");
  const revisionBefore = await changes.revision();
  const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "bench/lib/graph-applier.ts", testDb.url, String(DURING_APPLIES), "5000"], { cwd: root, env: process.env });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  let childDone = false;
  void exited.then(() => (childDone = true));
  // Checks start once the other process has begun changing the graph, and run until it is done.
  while ((await changes.revision()) === revisionBefore && !childDone) await new Promise((r) => setTimeout(r, 20));
  const during: number[] = [];
  while (!childDone) {
    const ms = await timeCheck();
    if (ms !== null) during.push(ms);
  }
  if ((await exited) !== 0) throw new Error(`the applying process failed: ${err}`);
  const childTimes = (JSON.parse(out.trim().split("\n").at(-1)!) as { apply_ms: number[] }).apply_ms;
  const reloads = (await changes.revision()) - revisionBefore;
  const { whole: wholeReads, caughtUp } = index.loads;

  const applyMs = median(applyTimes);
  const restP95 = p95(atRest);
  const duringP95 = p95(during);
  const ratio = duringP95 / restP95;
  rows.push(
    ["topology", `${SERVICES} services, ${EDGES} edges, 50 resource groups; ${INFLIGHT} operations in flight`],
    ["first apply (whole graph, empty store)", `${firstMs.toFixed(0)} ms`],
    [`APPLY of a 1 % changed document (median of ${APPLIES})`, `${applyMs.toFixed(0)} ms (min ${Math.min(...applyTimes).toFixed(0)}, max ${Math.max(...applyTimes).toFixed(0)})  target ≤ ${TARGET_APPLY_MS} ms: ${applyMs <= TARGET_APPLY_MS ? "met" : "MISSED"}`],
    ["  elements changed per apply (mean)", `${(elements / APPLIES).toFixed(0)}`],
    ["  of which (mean ms)", `${breakdown.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")}, computation ${(applyTimes.reduce((a, b) => a + b, 0) / APPLIES - accounted).toFixed(0)}`],
    ["  in-flight operations whose conflicts changed (mean)", `${(inFlightChanged / APPLIES).toFixed(1)}`],
    ["APPLY in the other process, during checks (median)", `${median(childTimes).toFixed(0)} ms`],
    [`CHECK at rest: p50 / p95 (${atRest.length} checks)`, `${median(atRest).toFixed(3)} / ${restP95.toFixed(3)} ms`],
    [`CHECK during ${reloads} applies in another process: p50 / p95 (${during.length} checks)`, `${median(during).toFixed(3)} / ${duringP95.toFixed(3)} ms`],
    ["  the checking process's index loads (all phases)", `${wholeReads} whole read(s), ${caughtUp} caught up from kept diffs${CATCH_UP ? "" : " (catching up turned off: BENCH_GRAPH_CATCH_UP=0)"}`],
    ["p95 during / at rest", `${ratio.toFixed(2)}  target ≤ 2: ${ratio <= 2 ? "met" : "MISSED"}`],
  );
  summary = {
    bench: "graph",
    services: SERVICES,
    edges: EDGES,
    inflight: INFLIGHT,
    applies: APPLIES,
    applies_during_checks: DURING_APPLIES,
    apply_load_ms: round((breakdown.find(([k]) => k === "load")?.[1] ?? 0), 0),
    apply_transaction_ms: round((breakdown.find(([k]) => k === "transaction")?.[1] ?? 0), 0),
    first_apply_ms: round(firstMs, 0),
    apply_other_process_ms: round(median(childTimes), 0),
    elements_per_apply: round(elements / APPLIES, 0),
    check_p50_ms_at_rest: round(median(atRest), 3),
    check_p50_ms_during_apply: round(median(during), 3),
    checks_during_apply: during.length,
    index_whole_reads: wholeReads,
    index_caught_up: caughtUp,
    check_p95_ratio: round(ratio, 2),
    target_met: applyMs <= TARGET_APPLY_MS && ratio <= 2,
    apply_ms: round(applyMs, 0),
    check_p95_ms_at_rest: round(restP95, 3),
    check_p95_ms_during_apply: round(duringP95, 3),
  };
} finally {
  audit.cleanup();
  await db.close();
  await testDb.drop();
}

console.log("\ngraph changes benchmark (Postgres store)\n");
const width = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
console.log("");
console.log(JSON.stringify({ bench: "graph", apply_ms: summary.apply_ms, check_p95_ms_at_rest: summary.check_p95_ms_at_rest, check_p95_ms_during_apply: summary.check_p95_ms_during_apply, ...summary }));
