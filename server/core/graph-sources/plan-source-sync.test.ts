import { describe, expect, it } from "vitest";
import { applyTopologyDiff, isEmptyDiff } from "../graph/diff-topology";
import type { ElementProvenance, GraphElementKind, GraphSource, SourceAssertion } from "../graph/live-graph-types";
import type { ResourceGroupSpec, ServiceSpec, TopologySpec } from "../topology/types";
import { findTopologyProblems } from "../topology/validate-topology";
import { planHeldRemoval, planSourceSync, sameDiff, type GraphWithProvenance, type PlanSourceSyncInput } from "./plan-source-sync";

const NOW = new Date("2026-12-07T12:00:00.000Z");
const DAY = 86_400_000;
const AGE_OUT = 7 * DAY;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const svc = (name: string, over: Partial<ServiceSpec> = {}): ServiceSpec => ({ name, tier: 2, criticality: "HIGH", team: "core", description: `${name} service`, ...over });
const group = (name: string, members: string[], over: Partial<ResourceGroupSpec> = {}): ResourceGroupSpec => ({ name, kind: "DATABASE", description: `${name} group`, members, ...over });

/** A graph whose every element has the given sources (default one FILE row), seen `seenAgo` before NOW. */
function graphOf(topology: TopologySpec, sources: Record<string, GraphSource[]> = {}, seenAgo: Record<string, number> = {}, revision = 5): GraphWithProvenance {
  const rows: ElementProvenance[] = [];
  const add = (kind: GraphElementKind, key: string) =>
    rows.push({
      kind,
      key,
      sources: (sources[`${kind}:${key}`] ?? ["FILE"]).map((source) => ({
        source,
        origin: source === "FILE" ? "topology.yaml" : `${source} origin`,
        firstSeenAt: ago(30 * DAY),
        lastSeenAt: ago(seenAgo[`${kind}:${key}:${source}`] ?? DAY),
        evidence: null,
      })),
    });
  for (const s of topology.services) add("SERVICE", s.name);
  for (const d of topology.dependencies) add("EDGE", `${d.from}->${d.to}`);
  for (const g of topology.resourceGroups) add("GROUP", g.name);
  return { revision, topology, provenance: rows };
}

const catalog = (over: Partial<SourceAssertion> = {}): SourceAssertion => ({ source: "CATALOG", origin: "catalog/", services: [], dependencies: [], resourceGroups: [], ...over });
const traces = (edges: [string, string][], requests = 100): SourceAssertion => ({
  source: "TRACES",
  origin: "Prometheus http://prom:9090: traces_service_graph_request_total over 1h",
  services: [],
  resourceGroups: [],
  dependencies: edges.map(([from, to]) => ({ from, to, kind: "SYNC_API", evidence: { requests, failedRequests: 0, window: "1h" } })),
});

function plan(graph: GraphWithProvenance, assertion: SourceAssertion, over: Partial<PlanSourceSyncInput> = {}) {
  return planSourceSync({ graph, assertion, now: NOW, ageOutMs: AGE_OUT, removals: "review", ...over });
}

/** The graph after the plan's apply (and its removals when given), with its provenance as applyGraphChange would leave it. */
function afterPlan(graph: GraphWithProvenance, p: ReturnType<typeof plan>, withRemovals = false): GraphWithProvenance {
  let topology = applyTopologyDiff(graph.topology, p.apply.diff);
  const removals = withRemovals ? (p.remove?.diff ?? p.hold?.diff ?? null) : null;
  if (removals) topology = applyTopologyDiff(topology, removals);
  expect(findTopologyProblems(topology)).toEqual([]);
  const rows = new Map(graph.provenance.map((e) => [`${e.kind}:${e.key}`, { ...e, sources: [...e.sources] }]));
  for (const u of p.apply.provenance.upserts) {
    const element = rows.get(`${u.kind}:${u.key}`) ?? { kind: u.kind, key: u.key, sources: [] };
    const existing = element.sources.find((s) => s.source === u.source);
    element.sources = [
      ...element.sources.filter((s) => s.source !== u.source),
      { source: u.source, origin: u.origin, firstSeenAt: existing?.firstSeenAt ?? u.seenAt, lastSeenAt: u.seenAt, evidence: u.evidence },
    ];
    rows.set(`${u.kind}:${u.key}`, element);
  }
  for (const d of p.apply.provenance.deletes) {
    const element = rows.get(`${d.kind}:${d.key}`);
    if (element) element.sources = element.sources.filter((s) => s.source !== d.source);
  }
  if (removals) {
    for (const s of removals.services.removed) rows.delete(`SERVICE:${s.name}`);
    for (const e of removals.edges.removed) rows.delete(`EDGE:${e.from}->${e.to}`);
    for (const g of removals.groups.removed) rows.delete(`GROUP:${g.name}`);
  }
  return { revision: graph.revision + (isEmptyDiff(p.apply.diff) && !removals ? 0 : 1), topology, provenance: [...rows.values()].filter((e) => e.sources.length > 0) };
}

const base: TopologySpec = {
  services: [svc("api"), svc("checkout"), svc("payments")],
  dependencies: [{ from: "api", to: "checkout", kind: "SYNC_API" }],
  resourceGroups: [group("orders_db", ["checkout"])],
};

describe("additions and changes a source asserts are applied at once", () => {
  it("adds services, edges and groups the graph lacks, with a provenance row (lastSeen = now) for everything asserted", () => {
    const p = plan(
      graphOf(base),
      catalog({
        services: [svc("api"), svc("ledger", { origin: "catalog/ledger.yaml:3 component:default/ledger" } as Partial<ServiceSpec>)],
        dependencies: [
          { from: "api", to: "checkout", kind: "SYNC_API" },
          { from: "payments", to: "ledger", kind: "ASYNC_EVENT" },
        ],
        resourceGroups: [group("ledger_db", ["ledger", "payments"], { kind: "DATABASE" })],
      }),
    );
    expect(p.apply.diff.services.added.map((s) => s.name)).toEqual(["ledger"]);
    expect(p.apply.diff.edges.added).toEqual([{ from: "payments", to: "ledger", kind: "ASYNC_EVENT" }]);
    expect(p.apply.diff.groups.added).toEqual([group("ledger_db", ["ledger", "payments"])]);
    expect(p.apply.provenance.upserts.map((u) => `${u.kind}:${u.key}:${u.source}`).sort()).toEqual(
      ["SERVICE:api:CATALOG", "SERVICE:ledger:CATALOG", "EDGE:api->checkout:CATALOG", "EDGE:payments->ledger:CATALOG", "GROUP:ledger_db:CATALOG"].sort(),
    );
    expect(p.apply.provenance.upserts.every((u) => u.seenAt.getTime() === NOW.getTime())).toBe(true);
    expect(p.apply.provenance.upserts.find((u) => u.key === "ledger")!.origin).toBe("catalog/ledger.yaml:3 component:default/ledger");
    expect(p.apply.provenance.upserts.find((u) => u.key === "api")!.origin).toBe("catalog/");
    expect(p.baseRevision).toBe(5);
  });

  it("changes a service's fields, an edge's kind and a group's kind, description and members", () => {
    const p = plan(
      graphOf(base),
      catalog({
        services: [svc("api"), svc("checkout", { tier: 1, team: "shop" }), svc("payments")],
        dependencies: [{ from: "api", to: "checkout", kind: "ASYNC_EVENT" }],
        resourceGroups: [group("orders_db", ["checkout", "payments"], { description: "orders" })],
      }),
    );
    expect(p.apply.diff.services.changed).toEqual([{ name: "checkout", before: svc("checkout"), after: svc("checkout", { tier: 1, team: "shop" }), fields: ["tier", "team"] }]);
    expect(p.apply.diff.edges.changed).toEqual([{ from: "api", to: "checkout", before: "SYNC_API", after: "ASYNC_EVENT" }]);
    expect(p.apply.diff.groups.changed).toEqual([
      { name: "orders_db", before: group("orders_db", ["checkout"]), after: group("orders_db", ["checkout", "payments"], { description: "orders" }), membersAdded: ["payments"], membersRemoved: [], fields: ["description"] },
    ]);
    expect(p.hold).toBeNull();
  });

  it("does not let traffic change what another source declares: an edge's kind stays, the TRACES row is still written", () => {
    const p = plan(graphOf({ ...base, dependencies: [{ from: "api", to: "checkout", kind: "ASYNC_EVENT" }] }), traces([["api", "checkout"]]));
    expect(isEmptyDiff(p.apply.diff)).toBe(true);
    expect(p.skipped).toEqual([{ kind: "EDGE", key: "api->checkout", reason: "declared ASYNC_EVENT by FILE: traffic does not change its kind" }]);
    expect(p.apply.provenance.upserts).toEqual([
      { kind: "EDGE", key: "api->checkout", source: "TRACES", origin: expect.stringContaining("Prometheus"), seenAt: NOW, evidence: { requests: 100, failedRequests: 0, window: "1h" } },
    ]);
  });

  it("skips a self-edge, a group member that is not a service and a service with an invalid tier", () => {
    const p = plan(
      graphOf(base),
      catalog({
        services: [svc("broken", { tier: 0 })],
        dependencies: [{ from: "api", to: "api", kind: "SYNC_API" }],
        resourceGroups: [group("orders_db", ["checkout", "ghost"])],
      }),
    );
    expect(isEmptyDiff(p.apply.diff)).toBe(true);
    expect(p.skipped.map((s) => `${s.kind}:${s.key}`)).toEqual(["SERVICE:broken", "EDGE:api->api", "MEMBER:orders_db/ghost"]);
    expect(p.unresolved).toEqual([]);
  });
});

describe("an edge to something that is not a service is unresolved, never applied", () => {
  it("reports an observed edge whose endpoint the graph lacks, naming the missing end and keeping the evidence", () => {
    const p = plan(graphOf(base), traces([["api", "checkout"], ["checkout", "fraud-check"], ["redis", "stripe"]]));
    expect(p.apply.diff.edges.added).toEqual([]);
    expect(p.unresolved).toEqual([
      { from: "checkout", to: "fraud-check", kind: "SYNC_API", missing: ["fraud-check"], origin: expect.stringContaining("Prometheus"), evidence: { requests: 100, failedRequests: 0, window: "1h" } },
      { from: "redis", to: "stripe", kind: "SYNC_API", missing: ["redis", "stripe"], origin: expect.any(String), evidence: expect.any(Object) },
    ]);
    expect(p.apply.provenance.upserts.map((u) => u.key)).toEqual(["api->checkout"]);
  });

  it("resolves an edge to a service the same assertion adds", () => {
    const p = plan(graphOf(base), catalog({ services: [svc("fraud-check")], dependencies: [{ from: "checkout", to: "fraud-check", kind: "SYNC_API" }] }));
    expect(p.unresolved).toEqual([]);
    expect(p.apply.diff.edges.added).toEqual([{ from: "checkout", to: "fraud-check", kind: "SYNC_API" }]);
  });
});

describe("removals: only what this source alone has, and held for review", () => {
  const catalogOwned: Record<string, GraphSource[]> = {
    "SERVICE:payments": ["CATALOG"],
    "SERVICE:api": ["CATALOG"],
    "SERVICE:checkout": ["CATALOG", "FILE"],
    "EDGE:api->checkout": ["CATALOG"],
    "GROUP:orders_db": ["CATALOG"],
  };

  it("holds the removal of an element this source was the only provenance of, and drops only its row from one another source has", () => {
    const p = plan(graphOf(base, catalogOwned), catalog({ services: [svc("api")], dependencies: [{ from: "api", to: "checkout", kind: "SYNC_API" }], resourceGroups: [group("orders_db", ["checkout"])] }));
    // payments: CATALOG only, not asserted → held. checkout: FILE declares it too → only the CATALOG row goes, at once.
    expect(p.hold!.diff.services.removed).toEqual([svc("payments")]);
    expect(p.hold!.reason).toMatch(/^no longer declared by CATALOG, and no other source has them: removing 1 service\(s\) needs an admin's review$/);
    expect(p.apply.provenance.deletes).toEqual([{ kind: "SERVICE", key: "checkout", source: "CATALOG" }]);
    expect(isEmptyDiff(p.apply.diff)).toBe(true);
    expect(p.remove).toBeNull();
  });

  it("never proposes to remove what other sources (FILE, CONSOLE) declare and this source never had", () => {
    const p = plan(graphOf(base), catalog({ services: [svc("ledger")] }));
    expect(p.hold).toBeNull();
    expect(p.apply.provenance.deletes).toEqual([]);
  });

  it("applies the removal at once with GRAPH_REMOVALS=auto", () => {
    const p = plan(graphOf(base, catalogOwned), catalog({ services: [svc("api"), svc("checkout")], dependencies: [{ from: "api", to: "checkout", kind: "SYNC_API" }], resourceGroups: [group("orders_db", ["checkout"])] }), { removals: "auto" });
    expect(p.hold).toBeNull();
    expect(p.remove!.diff.services.removed).toEqual([svc("payments")]);
  });

  it("removes a service with the edges that touch it (observed ones too) and takes it out of its groups", () => {
    const topology: TopologySpec = {
      services: [svc("api"), svc("checkout"), svc("payments")],
      dependencies: [
        { from: "api", to: "checkout", kind: "SYNC_API" },
        { from: "checkout", to: "payments", kind: "SYNC_API" },
      ],
      resourceGroups: [group("orders_db", ["checkout", "payments"])],
    };
    const sources = { "SERVICE:payments": ["CATALOG"], "EDGE:checkout->payments": ["TRACES"] } as Record<string, GraphSource[]>;
    const graph = graphOf(topology, sources);
    const p = plan(graph, catalog({ services: [svc("api")] }));
    expect(p.hold!.diff.services.removed).toEqual([svc("payments")]);
    expect(p.hold!.diff.edges.removed).toEqual([{ from: "checkout", to: "payments", kind: "SYNC_API" }]);
    expect(p.hold!.diff.groups.changed).toEqual([
      { name: "orders_db", before: group("orders_db", ["checkout", "payments"]), after: group("orders_db", ["checkout"]), membersAdded: [], membersRemoved: ["payments"], fields: [] },
    ]);
    // The held diff applies cleanly to the graph.
    afterPlan(graph, p, true);
  });

  it("keeps a service the source still refers to through an edge or a group, or that an edge another source declares touches", () => {
    const topology: TopologySpec = {
      services: [svc("api"), svc("checkout"), svc("payments"), svc("stock")],
      dependencies: [
        { from: "api", to: "checkout", kind: "SYNC_API" },
        { from: "checkout", to: "payments", kind: "SYNC_API" },
      ],
      resourceGroups: [group("orders_db", ["stock"])],
    };
    const sources = { "SERVICE:checkout": ["CATALOG"], "SERVICE:payments": ["CATALOG"], "SERVICE:stock": ["CATALOG"], "EDGE:checkout->payments": ["CATALOG"] } as Record<string, GraphSource[]>;
    const p = plan(
      graphOf(topology, sources),
      catalog({ dependencies: [{ from: "checkout", to: "payments", kind: "SYNC_API" }], resourceGroups: [group("orders_db", ["stock"])] }),
    );
    expect(p.hold).toBeNull();
    expect(p.skipped).toEqual([
      { kind: "SERVICE", key: "checkout", reason: "kept: CATALOG still asserts the edge checkout->payments" },
      { kind: "SERVICE", key: "payments", reason: "kept: CATALOG still asserts the edge checkout->payments" },
      { kind: "SERVICE", key: "stock", reason: "kept: CATALOG still lists it in the group orders_db" },
    ]);
    const declaredEdge = plan(graphOf(topology, { "SERVICE:payments": ["CATALOG"] }), catalog({}));
    expect(declaredEdge.hold).toBeNull();
    expect(declaredEdge.skipped).toEqual([{ kind: "SERVICE", key: "payments", reason: "kept: the edge checkout->payments is declared by FILE" }]);
  });
});

describe("TRACES: an edge no longer observed ages out", () => {
  const topology: TopologySpec = {
    services: [svc("api"), svc("checkout"), svc("payments")],
    dependencies: [
      { from: "api", to: "checkout", kind: "SYNC_API" },
      { from: "api", to: "payments", kind: "SYNC_API" },
      { from: "checkout", to: "payments", kind: "SYNC_API" },
    ],
    resourceGroups: [],
  };

  it("keeps an observed-only edge seen within the age-out, holds it once it was last seen longer ago", () => {
    const sources = { "EDGE:api->payments": ["TRACES"], "EDGE:checkout->payments": ["TRACES"] } as Record<string, GraphSource[]>;
    const seen = { "EDGE:api->payments:TRACES": AGE_OUT - 1, "EDGE:checkout->payments:TRACES": AGE_OUT };
    const p = plan(graphOf(topology, sources, seen), traces([]));
    expect(p.hold!.diff.edges.removed).toEqual([{ from: "checkout", to: "payments", kind: "SYNC_API" }]);
    expect(p.hold!.reason).toBe("not observed in traffic for 7d, and no other source has them: removing 1 edge(s) needs an admin's review");
    expect(p.apply.provenance.deletes).toEqual([]);
  });

  it("drops only the TRACES row of an aged-out edge a file also declares; a recently seen one keeps it", () => {
    const sources = { "EDGE:api->payments": ["FILE", "TRACES"], "EDGE:checkout->payments": ["FILE", "TRACES"] } as Record<string, GraphSource[]>;
    const seen = { "EDGE:api->payments:TRACES": AGE_OUT + DAY, "EDGE:checkout->payments:TRACES": DAY };
    const p = plan(graphOf(topology, sources, seen), traces([]));
    expect(p.hold).toBeNull();
    expect(p.apply.provenance.deletes).toEqual([{ kind: "EDGE", key: "api->payments", source: "TRACES" }]);
  });

  it("refreshes lastSeen and the evidence of an edge observed again", () => {
    const p = plan(graphOf(topology, { "EDGE:api->payments": ["TRACES"] }, { "EDGE:api->payments:TRACES": AGE_OUT * 2 }), traces([["api", "payments"]], 42));
    expect(p.hold).toBeNull();
    expect(p.apply.provenance.upserts).toEqual([{ kind: "EDGE", key: "api->payments", source: "TRACES", origin: expect.any(String), seenAt: NOW, evidence: { requests: 42, failedRequests: 0, window: "1h" } }]);
  });

  it("adds an observed edge between known services at once", () => {
    const p = plan(graphOf(base), traces([["checkout", "payments"]]));
    expect(p.apply.diff.edges.added).toEqual([{ from: "checkout", to: "payments", kind: "SYNC_API" }]);
  });
});

describe("group membership", () => {
  it("drops members a source stops listing only from a group that source alone declares, as a held removal", () => {
    const topology: TopologySpec = { services: [svc("a"), svc("b"), svc("c")], dependencies: [], resourceGroups: [group("db", ["a", "b"]), group("cache", ["a", "b"])] };
    const sources = { "GROUP:db": ["CATALOG"], "GROUP:cache": ["CATALOG", "FILE"] } as Record<string, GraphSource[]>;
    const graph = graphOf(topology, sources);
    const p = plan(graph, catalog({ resourceGroups: [group("db", ["a", "c"]), group("cache", ["a"])] }));
    // c joins db at once; b leaving db is a removal (held); cache keeps b (FILE declares the group too).
    expect(p.apply.diff.groups.changed).toEqual([{ name: "db", before: group("db", ["a", "b"]), after: group("db", ["a", "b", "c"]), membersAdded: ["c"], membersRemoved: [], fields: [] }]);
    expect(p.hold!.diff.groups.changed).toEqual([{ name: "db", before: group("db", ["a", "b", "c"]), after: group("db", ["a", "c"]), membersAdded: [], membersRemoved: ["b"], fields: [] }]);
    expect(p.hold!.reason).toContain("members of 1 group(s)");
    afterPlan(graph, p, true);
  });
});

describe("idempotence", () => {
  it("a second refresh with the same assertion changes nothing and holds the same removal", () => {
    const sources = { "SERVICE:payments": ["CATALOG"] } as Record<string, GraphSource[]>;
    const graph = graphOf(base, sources);
    const assertion = catalog({ services: [svc("ledger"), svc("api", { tier: 1 })], dependencies: [{ from: "ledger", to: "api", kind: "SYNC_API" }], resourceGroups: [group("ledger_db", ["ledger"])] });
    const first = plan(graph, assertion);
    expect(isEmptyDiff(first.apply.diff)).toBe(false);
    const after = afterPlan(graph, first);
    const second = plan(after, assertion);
    expect(isEmptyDiff(second.apply.diff)).toBe(true);
    expect(second.apply.provenance.deletes).toEqual([]);
    expect(sameDiff(second.hold!.diff, first.hold!.diff)).toBe(true);
    expect(second.unresolved).toEqual(first.unresolved);
    const traced = plan(after, traces([["api", "checkout"], ["api", "nowhere"]]));
    const tracedAgain = plan(afterPlan(after, traced), traces([["api", "checkout"], ["api", "nowhere"]]));
    expect(isEmptyDiff(tracedAgain.apply.diff)).toBe(true);
    expect(tracedAgain.hold).toBeNull();
    expect(tracedAgain.unresolved).toEqual(traced.unresolved);
  });
});

describe("approving a held removal: recomputed against the graph as it is now", () => {
  const topology: TopologySpec = {
    services: [svc("api"), svc("checkout"), svc("payments"), svc("ledger")],
    dependencies: [
      { from: "api", to: "checkout", kind: "SYNC_API" },
      { from: "checkout", to: "payments", kind: "SYNC_API" },
    ],
    resourceGroups: [group("orders_db", ["payments", "ledger"])],
  };
  const sources = { "SERVICE:payments": ["CATALOG"], "SERVICE:ledger": ["CATALOG"], "EDGE:checkout->payments": ["TRACES"], "GROUP:orders_db": ["FILE"] } as Record<string, GraphSource[]>;
  const heldAt = ago(DAY / 2);

  it("removes what is still removable, with what touches it", () => {
    const graph = graphOf(topology, sources);
    const held = plan(graph, catalog({ services: [svc("api")] })).hold!;
    const { change, kept } = planHeldRemoval({ graph, held: { source: "CATALOG", createdAt: heldAt, diff: held.diff } });
    expect(kept).toEqual([]);
    expect(change.diff).toEqual(held.diff);
    expect(change.diff.services.removed.map((s) => s.name)).toEqual(["ledger", "payments"]);
  });

  it("keeps what another source has since declared or the source has seen again, and what a newly declared edge touches", () => {
    const graph = graphOf(topology, sources);
    const held = plan(graph, catalog({ services: [svc("api")] })).hold!;
    const now = graphOf(
      { ...topology, dependencies: [...topology.dependencies, { from: "api", to: "ledger", kind: "SYNC_API" }] },
      { ...sources, "SERVICE:payments": ["CATALOG", "CONSOLE"], "EDGE:api->ledger": ["CONSOLE"] },
    );
    const { change, kept } = planHeldRemoval({ graph: now, held: { source: "CATALOG", createdAt: heldAt, diff: held.diff } });
    expect(change.diff.services.removed).toEqual([]);
    expect(change.diff.edges.removed).toEqual([]);
    expect(change.diff.groups.changed).toEqual([]);
    expect(kept).toEqual([
      { kind: "SERVICE", key: "ledger", reason: "the edge api->ledger is now declared by CONSOLE" },
      { kind: "SERVICE", key: "payments", reason: "now also from CONSOLE" },
    ]);
    const seenAgain = graphOf(topology, sources, { "SERVICE:payments:CATALOG": 0 });
    const again = planHeldRemoval({ graph: seenAgain, held: { source: "CATALOG", createdAt: heldAt, diff: held.diff } });
    expect(again.change.diff.services.removed.map((s) => s.name)).toEqual(["ledger"]);
    expect(again.kept).toEqual([{ kind: "SERVICE", key: "payments", reason: "CATALOG has seen it again since the change was held" }]);
  });

  it("leaves out what is already gone", () => {
    const graph = graphOf(topology, sources);
    const held = plan(graph, catalog({ services: [svc("api")] })).hold!;
    const gone = graphOf({ services: topology.services.filter((s) => s.name !== "ledger"), dependencies: topology.dependencies, resourceGroups: [group("orders_db", ["payments"])] }, sources);
    const { change } = planHeldRemoval({ graph: gone, held: { source: "CATALOG", createdAt: heldAt, diff: held.diff } });
    expect(change.diff.services.removed.map((s) => s.name)).toEqual(["payments"]);
    expect(findTopologyProblems(applyTopologyDiff(gone.topology, change.diff))).toEqual([]);
  });
});
