import { describe, expect, it } from "vitest";
import { DEMO_TOPOLOGY } from "@/server/core/topology/demo-topology";
import type { TBlastRadius } from "@/lib/api/graph";
import { blastSets, inFlightOverlaps, servicesInOverlap } from "./blast";
import { NO_HIGHLIGHT, buildEdges, buildNodes, inFlightByService, reuseUnchanged, type Highlight, type ServiceFlowNode } from "./graph-elements";
import { layoutTopology } from "./layout";
import { indexProvenance } from "./provenance";

const layout = layoutTopology(DEMO_TOPOLOGY);
const radius: TBlastRadius = {
  subject: { service: "payment-service", operationId: null },
  score: 0, percentage: 0, affectedCount: 4, totalServices: 42, depth: 3,
  direct: ["payment-service"], sharedResource: ["order-service"], downstream: ["invoice-service"], upstream: ["user-service"],
};
const ops = [
  { id: "op-1", service: "payment-service", state: "IN_PROGRESS", type: "DEPLOYMENT" },
  { id: "op-2", service: "order-service", state: "PAUSED_FOR_HUMAN_REVIEW", type: "DEPLOYMENT" },
];

describe("buildNodes / buildEdges", () => {
  it("draws every service, the groups when asked, and every dependency with its arrow", () => {
    const nodes = buildNodes(DEMO_TOPOLOGY, layout, NO_HIGHLIGHT, true);
    expect(nodes.filter((n) => n.type === "service")).toHaveLength(42);
    expect(nodes.filter((n) => n.type === "resourceGroup")).toHaveLength(3);
    expect(buildNodes(DEMO_TOPOLOGY, layout, NO_HIGHLIGHT, false)).toHaveLength(42);
    const edges = buildEdges(DEMO_TOPOLOGY, NO_HIGHLIGHT, { showGroups: false, labels: true });
    expect(edges).toHaveLength(DEMO_TOPOLOGY.dependencies.length);
    const async = edges.find((e) => e.id === "dep:order-service->notification-service")!;
    expect(async).toMatchObject({ source: "order-service", target: "notification-service", label: "async" });
    expect(edges.find((e) => e.id === "dep:user-service->payment-service")!.label).toBeUndefined();
    expect(buildEdges(DEMO_TOPOLOGY, NO_HIGHLIGHT, { showGroups: true, labels: false }).filter((e) => e.id.startsWith("member:"))).toHaveLength(9);
  });

  it("marks each node with its blast set, dims the rest, and strengthens only edges inside the radius", () => {
    const highlight: Highlight = { ...NO_HIGHLIGHT, sets: blastSets(radius), active: true };
    const nodes = buildNodes(DEMO_TOPOLOGY, layout, highlight, true).filter((n): n is ServiceFlowNode => n.type === "service");
    const by = new Map(nodes.map((n) => [n.id, n.data]));
    expect(by.get("payment-service")).toMatchObject({ blast: "direct", dimmed: false });
    expect(by.get("order-service")!.blast).toBe("shared");
    expect(by.get("invoice-service")!.blast).toBe("downstream");
    expect(by.get("user-service")!.blast).toBe("upstream");
    expect(by.get("search-service")).toMatchObject({ blast: "none", dimmed: true });
    const edges = buildEdges(DEMO_TOPOLOGY, highlight, { showGroups: true, labels: false });
    expect(edges.find((e) => e.id === "dep:payment-service->invoice-service")!.style).toMatchObject({ opacity: 1, strokeWidth: 2 });
    expect(edges.find((e) => e.id === "dep:search-service->catalog-service")!.style).toMatchObject({ opacity: 0.15 });
  });

  it("puts in-flight markers and the conflict outline on the services of overlapping operations", () => {
    const radii = new Map([["op-1", radius]]);
    const overlaps = inFlightOverlaps(ops, radii);
    const highlight: Highlight = { ...NO_HIGHLIGHT, inFlightByService: inFlightByService(ops), conflicted: servicesInOverlap(overlaps) };
    const nodes = buildNodes(DEMO_TOPOLOGY, layout, highlight, false) as ServiceFlowNode[];
    const by = new Map(nodes.map((n) => [n.id, n.data]));
    expect(by.get("payment-service")).toMatchObject({ conflict: true, inFlight: [ops[0]] });
    expect(by.get("order-service")).toMatchObject({ conflict: true, inFlight: [ops[1]] });
    expect(by.get("user-service")).toMatchObject({ conflict: false, inFlight: [] });
  });

  it("keeps the objects of unchanged nodes across a new selection", () => {
    const before = buildNodes(DEMO_TOPOLOGY, layout, NO_HIGHLIGHT, true);
    const after = reuseUnchanged(before, buildNodes(DEMO_TOPOLOGY, layout, NO_HIGHLIGHT, true));
    expect(after.every((n, i) => n === before[i])).toBe(true);
    const selected = reuseUnchanged(before, buildNodes(DEMO_TOPOLOGY, layout, { ...NO_HIGHLIGHT, sets: blastSets(radius), active: true }, true));
    expect(selected.some((n, i) => n === before[i])).toBe(false); // every node changes: affected ones are coloured, the others dimmed
    const again = reuseUnchanged(selected, buildNodes(DEMO_TOPOLOGY, layout, { ...NO_HIGHLIGHT, sets: blastSets({ ...radius, upstream: [] }), active: true }, true));
    expect(again.filter((n, i) => n !== selected[i]).map((n) => n.id)).toEqual(["user-service"]);
  });

  it("draws each edge by its provenance: declared only, observed only (open arrowhead, labelled), both (double line); the selected edge strong", () => {
    const at = "2026-12-07T10:00:00.000Z";
    const row = (source: "FILE" | "TRACES") => ({ source, origin: source === "FILE" ? "topology.yaml" : "traces", firstSeenAt: at, lastSeenAt: at, evidence: source === "TRACES" ? { requests: 120, window: "1h" } : null });
    const provenance = indexProvenance({
      revision: 3,
      services: [],
      groups: [],
      edges: [
        { from: "user-service", to: "payment-service", sources: [row("FILE")], declared: true, observed: false },
        { from: "order-service", to: "notification-service", sources: [row("TRACES")], declared: false, observed: true },
        { from: "payment-service", to: "invoice-service", sources: [row("FILE"), row("TRACES")], declared: true, observed: true },
      ],
    });
    const edges = buildEdges(DEMO_TOPOLOGY, NO_HIGHLIGHT, { showGroups: false, labels: true, provenance, selectedEdge: "payment-service->invoice-service" });
    const by = new Map(edges.map((e) => [e.id, e]));
    const declared = by.get("dep:user-service->payment-service")!;
    const observed = by.get("dep:order-service->notification-service")!;
    const both = by.get("dep:payment-service->invoice-service")!;
    expect(declared).toMatchObject({ type: "default", markerEnd: { type: "arrowclosed" }, data: { provenance: "declared" } });
    expect(declared.ariaLabel).toBe("user-service depends on payment-service (sync API, declared only)");
    expect(observed).toMatchObject({ type: "default", markerEnd: { type: "arrow" }, label: "async · observed", data: { provenance: "observed" } });
    expect(observed.style).toMatchObject({ strokeDasharray: "6 4" });
    expect(both).toMatchObject({ type: "double", markerEnd: { type: "arrowclosed" }, zIndex: 2, data: { provenance: "both" } });
    expect(Number(both.style!.strokeWidth)).toBeGreaterThan(Number(declared.style!.strokeWidth) + 2);
    // Not in the provenance answer: drawn as before, and said so.
    expect(by.get("dep:search-service->catalog-service")!).toMatchObject({ type: "default", data: { provenance: "unknown" } });
    // Without provenance (still loading or failed) every edge is "unknown".
    expect(new Set(buildEdges(DEMO_TOPOLOGY, NO_HIGHLIGHT, { showGroups: false, labels: false }).map((e) => e.data!.provenance))).toEqual(new Set(["unknown"]));
  });
});
