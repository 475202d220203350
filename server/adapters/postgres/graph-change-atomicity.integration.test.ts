// Changes to the graph are atomic for every reader (docs/graph-changes.md#atomicity):
// another process checking conflicts with its own CachedGraphIndex, refreshing
// as eagerly as it can while 20 changes are applied, always checks against one
// whole graph: the one of the revision its index was loaded at.
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../core/clock";
import { DEFAULT_CONFLICT_POLICY } from "../../core/conflicts/policy";
import { applyTopologyDocument } from "../../core/graph/apply-topology-document";
import { generateSyntheticTopology } from "../../core/graph/generate-synthetic-topology";
import { GraphIndex } from "../../core/graph/graph-index";
import { perturbTopology } from "../../core/graph/perturb-topology";
import type { TopologySpec } from "../../core/topology/types";
import { auditFixture } from "../../testing/audit";
import { checkerInFlight, checkKey, CHECKER_SERVICES } from "../../testing/graph-checks";
import { openTestStore, type TestStore } from "../../testing/stores";
import { PostgresGraphChangeStore } from "./graph-change-store";

const root = path.resolve(import.meta.dirname, "../../..");
let store: TestStore;
let audit: ReturnType<typeof auditFixture>;

beforeAll(async () => {
  store = await openTestStore("postgres", "graph_atomicity");
  audit = auditFixture(store.db);
});
afterAll(async () => {
  audit?.cleanup();
  await store?.close();
});

describe("graph changes under concurrent checks in another process", () => {
  it("20 applies, ≥1,000 checks: every check equals the check against the whole graph of its index's revision, also when the index caught up from diffs", async () => {
    const changes = new PostgresGraphChangeStore(store.db);
    const deps = { changes, audit: audit.log, clock: systemClock, conflictPolicy: async () => DEFAULT_CONFLICT_POLICY };
    const admin = { actor: "alice", role: "ADMIN" as const };
    const options = { source: "CONSOLE" as const, observed: "drop" as const };
    const keep = new Set(CHECKER_SERVICES);

    const graphs = new Map<number, TopologySpec>();
    let graph = generateSyntheticTopology({ services: 500, dependencies: 2_000, resourceGroups: 10, seed: 21 });
    const first = await applyTopologyDocument(deps, graph, options, admin);
    graphs.set(first.revision!, graph);

    const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "server/testing/graph-checker.ts", store.url!, "1000"], { cwd: root, env: process.env });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const lines = readline.createInterface({ input: child.stdout });
    const output = new Promise<string>((resolve, reject) => {
      let last = "";
      lines.on("line", (line) => (last = line));
      child.on("exit", (code) => (code === 0 ? resolve(last) : reject(new Error(`checker exited ${code}: ${err}`))));
    });
    await new Promise<void>((resolve) => lines.once("line", () => resolve())); // "ready"
    child.stdin.write("go\n");

    let revision = first.revision!;
    for (let i = 0; i < 20; i++) {
      graph = perturbTopology(graph, { share: 0.05, seed: 100 + i, keep });
      const result = await applyTopologyDocument(deps, graph, options, admin);
      revision = result.revision!;
      graphs.set(revision, graph);
    }
    child.stdin.write(`done ${revision}\n`);
    const { checks, loads } = JSON.parse(await output) as { checks: [number, string, string][]; loads: { whole: number; caughtUp: number } };

    expect(checks.length).toBeGreaterThanOrEqual(1_000);
    const inFlight = checkerInFlight();
    const expected = new Map<string, string>();
    const indexes = new Map([...graphs].map(([r, g]) => [r, GraphIndex.build(g)]));
    let mismatches = 0;
    for (const [rev, candidate, key] of checks) {
      expect(indexes.has(rev)).toBe(true);
      const id = `${rev}:${candidate}`;
      if (!expected.has(id)) expected.set(id, checkKey(indexes.get(rev)!, candidate, inFlight));
      if (expected.get(id) !== key) mismatches++;
    }
    expect(mismatches).toBe(0);
    // The checker caught up from the kept diffs (docs/graph-changes.md#freshness-across-processes), not only by reading whole graphs.
    expect(loads.caughtUp).toBeGreaterThan(0);
    const seen = new Set(checks.map(([r]) => r));
    // It started on the first graph and stopped on the last: it followed the changes.
    expect(seen.has(first.revision!) || seen.size > 1).toBe(true);
    expect(seen.has(revision)).toBe(true);
    // And the graphs really differ for these checks, so the comparison means something.
    const distinct = new Set([...indexes.values()].map((index) => checkKey(index, CHECKER_SERVICES[0]!, inFlight)));
    expect(distinct.size).toBeGreaterThan(1);
  }, 120_000);
});
