import { describe, expect, it } from "vitest";
import { DEFAULT_CONFLICT_POLICY } from "../conflicts/policy";
import { DEMO_TOPOLOGY } from "../topology/demo-topology";
import { applyTopologyDiff, diffSize, diffTopology, emptyDiff } from "./diff-topology";
import { documentProvenance, documentTarget } from "./document-target";
import { generateSyntheticTopology } from "./generate-synthetic-topology";
import { diffSha256, graphChangedPayload } from "./graph-change-audit";
import { GraphIndex } from "./graph-index";
import { inFlightConflictChanges } from "./in-flight-conflict-changes";
import type { ElementProvenance } from "./live-graph-types";
import { normalizeTopology } from "./normalize-topology";
import { perturbTopology } from "./perturb-topology";

const now = new Date("2026-12-07T17:00:00Z");

describe("diffTopology and applyTopologyDiff", () => {
  it("applying the diff of two graphs to the first gives the second, for every kind of change", () => {
    const before = generateSyntheticTopology({ services: 400, dependencies: 1600, resourceGroups: 10, seed: 3 });
    const after = perturbTopology(before, { share: 0.05, seed: 7 });
    const diff = diffTopology(before, after);
    expect(diff.services.added.length).toBeGreaterThan(0);
    expect(diff.services.removed.length).toBeGreaterThan(0);
    expect(diff.services.changed.length).toBeGreaterThan(0);
    expect(diff.edges.added.length).toBeGreaterThan(0);
    expect(diff.edges.removed.length).toBeGreaterThan(0);
    expect(diff.groups.changed.length).toBeGreaterThan(0);
    expect(applyTopologyDiff(before, diff)).toEqual(normalizeTopology(after));
    expect(diffSize(diffTopology(after, after))).toBe(0);
  });

  it("lists changes sorted and names the fields that changed", () => {
    const after = {
      ...DEMO_TOPOLOGY,
      services: DEMO_TOPOLOGY.services.map((s) => (s.name === "user-service" ? { ...s, tier: 9, team: "x" } : s)),
      dependencies: DEMO_TOPOLOGY.dependencies.map((d, i) => (i === 0 ? { ...d, kind: d.kind === "DATA" ? ("SYNC_API" as const) : ("DATA" as const) } : d)),
    };
    const diff = diffTopology(DEMO_TOPOLOGY, after);
    expect(diff.services.changed).toEqual([expect.objectContaining({ name: "user-service", fields: ["tier", "team"] })]);
    expect(diff.edges.changed).toHaveLength(1);
    const sorted = diffTopology(DEMO_TOPOLOGY, { services: [], dependencies: [], resourceGroups: [] });
    const names = sorted.services.removed.map((s) => s.name);
    expect(names).toEqual([...names].sort());
  });

  it("refuses a diff that does not fit the graph it is applied to", () => {
    const diff = emptyDiff();
    diff.services.added.push(DEMO_TOPOLOGY.services[0]!);
    diff.edges.removed.push({ from: "nope", to: "nada", kind: "SYNC_API" });
    expect(() => applyTopologyDiff(DEMO_TOPOLOGY, diff)).toThrow(/already in the graph.*nope->nada is not in the graph/);
  });
});

describe("documentTarget", () => {
  const observedOnly = (from: string, to: string): ElementProvenance => ({
    kind: "EDGE",
    key: `${from}->${to}`,
    sources: [{ source: "TRACES", origin: "prom", firstSeenAt: now, lastSeenAt: now, evidence: { requests: 50 } }],
  });
  const current = {
    topology: { ...DEMO_TOPOLOGY, dependencies: [...DEMO_TOPOLOGY.dependencies, { from: "user-service", to: "search-service", kind: "SYNC_API" as const }, { from: "api-gateway", to: "gone-service", kind: "SYNC_API" as const }] },
    provenance: [observedOnly("user-service", "search-service"), observedOnly("api-gateway", "gone-service")],
  };

  it("observed=keep keeps edges only traffic showed when both ends stay; drop makes the graph the document", () => {
    const keep = documentTarget(DEMO_TOPOLOGY, current, "keep");
    expect(keep.keptObserved).toEqual([{ from: "user-service", to: "search-service", kind: "SYNC_API" }]);
    expect(keep.target.dependencies).toHaveLength(DEMO_TOPOLOGY.dependencies.length + 1);
    const drop = documentTarget(DEMO_TOPOLOGY, current, "drop");
    expect(drop.keptObserved).toEqual([]);
    expect(drop.target).toEqual(normalizeTopology(DEMO_TOPOLOGY));
  });

  it("writes one row of the document's source for every element it declares, none for kept-observed edges", () => {
    const { upserts } = documentProvenance(DEMO_TOPOLOGY, "CONSOLE", "alice", now);
    expect(upserts).toHaveLength(DEMO_TOPOLOGY.services.length + DEMO_TOPOLOGY.dependencies.length + DEMO_TOPOLOGY.resourceGroups.length);
    expect(upserts.every((u) => u.source === "CONSOLE" && u.origin === "alice" && u.seenAt === now)).toBe(true);
    expect(upserts.some((u) => u.key === "user-service->search-service")).toBe(false);
  });
});

describe("graphChangedPayload", () => {
  it("carries the whole diff up to the limit, and beyond it the counts, the first elements and the sha256 of the full diff", () => {
    const before = generateSyntheticTopology({ services: 300, dependencies: 900, resourceGroups: 5, seed: 1 });
    const diff = diffTopology(before, perturbTopology(before, { share: 0.1, seed: 2 }));
    const facts = { diff, source: "FILE" as const, origin: "estate.yaml", actor: "cli:me", baseRevision: 4, revision: 5 };
    const whole = graphChangedPayload(facts);
    expect(whole).toMatchObject({ truncated: false, elements: diffSize(diff), diff: JSON.parse(JSON.stringify(diff)) });
    expect(whole.diffSha256).toBeUndefined();
    const cut = graphChangedPayload(facts, 10);
    expect(cut).toMatchObject({ truncated: true, elements: diffSize(diff), diffSha256: diffSha256(diff) });
    expect(diffSize(cut.diff as never)).toBe(10);
  });
});

describe("inFlightConflictChanges", () => {
  it("reports only operations whose conflicts differ between the old graph and the new", () => {
    const op = (id: string, service: string, seq: number) => ({ id, type: "DEPLOYMENT" as const, service, actor: "a", createdAt: now, seq: BigInt(seq) });
    // user-service and search-service are unrelated in the demo graph; an edge between them makes a DEPENDENCY conflict.
    const before = GraphIndex.build(DEMO_TOPOLOGY);
    const linked = { ...DEMO_TOPOLOGY, dependencies: [...DEMO_TOPOLOGY.dependencies, { from: "user-service", to: "search-service", kind: "SYNC_API" as const }] };
    const inFlight = [op("op-1", "search-service", 1), op("op-2", "user-service", 2)];
    const changes = inFlightConflictChanges({ inFlight, before, after: GraphIndex.build(linked), policy: DEFAULT_CONFLICT_POLICY, now });
    const mine = changes.find((c) => c.operationId === "op-2");
    expect(mine?.after.some((c) => c.type === "DEPENDENCY" && c.with === "search-service")).toBe(true);
    expect(mine?.before.some((c) => c.type === "DEPENDENCY")).toBe(false);
    expect(inFlightConflictChanges({ inFlight, before, after: GraphIndex.build(DEMO_TOPOLOGY), policy: DEFAULT_CONFLICT_POLICY, now })).toEqual([]);
  });

  it("skips only operations whose conflicts cannot differ: the same answer as checking every operation", () => {
    const graph = generateSyntheticTopology({ services: 600, dependencies: 2_400, resourceGroups: 12, seed: 9 });
    const names = graph.services.map((s) => s.name);
    const inFlight = Array.from({ length: 80 }, (_, i) => ({ id: `op-${String(i).padStart(3, "0")}`, type: (i % 5 === 0 ? "ROLLBACK" : "DEPLOYMENT") as "ROLLBACK" | "DEPLOYMENT", service: names[(i * 37) % names.length]!, actor: "a", createdAt: now, seq: BigInt(i + 1) }));
    const keep = new Set(inFlight.map((o) => o.service));
    const before = GraphIndex.build(graph);
    for (const seed of [1, 2, 3]) {
      const after = GraphIndex.build(perturbTopology(graph, { share: 0.03, seed, keep }));
      const fast = inFlightConflictChanges({ inFlight, before, after, policy: DEFAULT_CONFLICT_POLICY, now });
      const all = inFlightConflictChanges({ inFlight, before, after, policy: DEFAULT_CONFLICT_POLICY, now, exhaustive: true });
      expect(all.length).toBeGreaterThan(0);
      expect(fast).toEqual(all);
    }
  });

  it("gives the same diff whether the graphs are in order (one merge pass) or not (maps)", () => {
    for (let seed = 1; seed <= 6; seed++) {
      const before = normalizeTopology(generateSyntheticTopology({ services: 200, dependencies: 600, resourceGroups: 4, seed }));
      const after = normalizeTopology(perturbTopology(before, { share: 0.08, seed: seed + 50 }));
      const shuffle = <T>(list: T[]) => list.map((x, i) => [((i * 7919) % 1009) + i / 1e6, x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
      const unordered = (t: typeof before) => ({ ...t, services: shuffle(t.services), dependencies: shuffle(t.dependencies) });
      const merged = diffTopology(before, after);
      expect(diffSize(merged)).toBeGreaterThan(0);
      expect(diffTopology(unordered(before), unordered(after))).toEqual(merged);
      expect(diffTopology(before, unordered(after))).toEqual(merged);
    }
  });
});
