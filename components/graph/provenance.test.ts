import { describe, expect, it } from "vitest";
import { EDGE_LOOK, ageText, edgeProvenance, evidenceText, indexProvenance, sortedSources, type ProvenanceRecord } from "./provenance";

const NOW = Date.parse("2026-12-07T12:00:00.000Z");
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();
const record = (source: ProvenanceRecord["source"], lastSeenSecondsAgo = 0): ProvenanceRecord => ({
  source,
  origin: source === "TRACES" ? "prometheus" : "topology.yaml",
  firstSeenAt: ago(86_400),
  lastSeenAt: ago(lastSeenSecondsAgo),
  evidence: null,
});

describe("edgeProvenance and its look", () => {
  it("is declared for FILE/CONSOLE/CATALOG rows, observed for TRACES rows, both for both, unknown without a record", () => {
    expect(edgeProvenance({ from: "a", to: "b", sources: [record("FILE"), record("CATALOG")], declared: true, observed: false })).toBe("declared");
    expect(edgeProvenance({ from: "a", to: "b", sources: [record("TRACES")], declared: false, observed: true })).toBe("observed");
    expect(edgeProvenance({ from: "a", to: "b", sources: [record("CONSOLE"), record("TRACES")], declared: true, observed: true })).toBe("both");
    // The rows decide when the flags disagree (an older server without them set).
    expect(edgeProvenance({ from: "a", to: "b", sources: [record("CONSOLE"), record("TRACES")], declared: false, observed: false })).toBe("both");
    expect(edgeProvenance({ from: "a", to: "b", sources: [], declared: false, observed: false })).toBe("unknown");
    expect(edgeProvenance(undefined)).toBe("unknown");
  });

  it("tells the three provenances apart by more than colour: arrowhead and single or double line", () => {
    const shape = (p: keyof typeof EDGE_LOOK) => `${EDGE_LOOK[p].arrow}/${EDGE_LOOK[p].double ? "double" : "single"}`;
    expect(new Set([shape("declared"), shape("observed"), shape("both")]).size).toBe(3);
    expect(shape("unknown")).toBe(shape("declared"));
  });

  it("indexes the answer by element key", () => {
    const index = indexProvenance({
      revision: 7,
      services: [{ name: "a", sources: [record("FILE")] }],
      edges: [{ from: "a", to: "b", sources: [record("TRACES")], declared: false, observed: true }],
      groups: [{ name: "db", sources: [record("CATALOG")] }],
    });
    expect(index.revision).toBe(7);
    expect(index.services.get("a")?.[0]?.source).toBe("FILE");
    expect(index.edges.get("a->b")?.observed).toBe(true);
    expect(index.edges.get("b->a")).toBeUndefined();
    expect(index.groups.get("db")?.[0]?.source).toBe("CATALOG");
  });
});

describe("ageText", () => {
  it("gives the largest unit, rounded down", () => {
    expect(ageText(ago(2), NOW)).toBe("just now");
    expect(ageText(ago(42), NOW)).toBe("42 s ago");
    expect(ageText(ago(59), NOW)).toBe("59 s ago");
    expect(ageText(ago(60), NOW)).toBe("1 min ago");
    expect(ageText(ago(3_599), NOW)).toBe("59 min ago");
    expect(ageText(ago(3 * 3_600 + 1_800), NOW)).toBe("3 h ago");
    expect(ageText(ago(8 * 86_400), NOW)).toBe("8 d ago");
  });

  it("says a time ahead of the clock is just now (skew) or in the future, and an unreadable one is a dash", () => {
    expect(ageText(ago(-30), NOW)).toBe("just now");
    expect(ageText(ago(-7_200), NOW)).toBe("in 2 h");
    expect(ageText("not a time", NOW)).toBe("—");
  });
});

describe("evidenceText and sortedSources", () => {
  it("reads TRACES evidence as requests over the window", () => {
    expect(evidenceText({ requests: 1234.4, window: "1h" })).toBe("1,234 requests over 1h");
    expect(evidenceText({ requests: 50, window: "1h", failedRequests: 2 })).toBe("50 requests over 1h, 2 failed");
    expect(evidenceText({ query: "traces_service_graph_request_total" })).toBe("query: traces_service_graph_request_total");
    expect(evidenceText(null)).toBeNull();
    expect(evidenceText({})).toBeNull();
  });

  it("lists declaring sources before TRACES, the most recently seen first within a source", () => {
    const sorted = sortedSources([record("TRACES"), record("CATALOG", 50), record("FILE"), record("CATALOG", 5)]);
    expect(sorted.map((s) => `${s.source}:${s.lastSeenAt === ago(5) ? "new" : s.lastSeenAt === ago(50) ? "old" : "-"}`)).toEqual(["FILE:-", "CATALOG:new", "CATALOG:old", "TRACES:-"]);
  });
});
