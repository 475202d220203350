import { describe, expect, it } from "vitest";
import type { ElementProvenance, GraphSource } from "../graph/live-graph-types";
import type { TopologySpec } from "../topology/types";
import { driftOf } from "./graph-drift";
import type { SourceRun } from "./ports";

const AT = new Date("2026-12-07T12:00:00.000Z");
const before = (ms: number) => new Date(AT.getTime() - ms);

const topology: TopologySpec = {
  services: ["a", "b", "c"].map((name) => ({ name, tier: 1, criticality: "HIGH" as const, team: "t", description: "" })),
  dependencies: [
    { from: "a", to: "b", kind: "SYNC_API" },
    { from: "a", to: "c", kind: "SYNC_API" },
    { from: "b", to: "c", kind: "ASYNC_EVENT" },
  ],
  resourceGroups: [],
};

function edge(key: string, rows: [GraphSource, Date, number | null][]): ElementProvenance {
  return { kind: "EDGE", key, sources: rows.map(([source, seen, requests]) => ({ source, origin: source, firstSeenAt: seen, lastSeenAt: seen, evidence: requests === null ? null : { requests, window: "1h" } })) };
}

const provenance = [
  edge("a->b", [["TRACES", AT, 300]]), // observed only
  edge("a->c", [["FILE", before(9e6), null], ["TRACES", AT, 20]]), // declared and seen in the last read
  edge("b->c", [["CATALOG", before(9e6), null], ["TRACES", before(3_600_000), 5]]), // declared, not in the last read
];

const lastRead = { startedAt: before(1000), unresolved: [{ from: "c", to: "ghost", kind: "SYNC_API", missing: ["ghost"], origin: "prom", evidence: { requests: 12 } }] } as unknown as SourceRun;

describe("drift", () => {
  it("lists edges observed but declared by no source, in the graph or not, and declared edges the last read did not see", () => {
    const drift = driftOf({ topology, provenance }, lastRead, true);
    expect(drift.observedNotDeclared).toEqual([
      { from: "a", to: "b", kind: "SYNC_API", inGraph: true, lastSeenAt: AT, requests: 300, reason: "observed in traffic; no source declares it" },
      { from: "c", to: "ghost", kind: "SYNC_API", inGraph: false, lastSeenAt: lastRead.startedAt, requests: 12, reason: 'observed in traffic; "ghost" is not a service in the graph' },
    ]);
    expect(drift.declaredNotObserved).toEqual([{ from: "b", to: "c", kind: "ASYNC_EVENT", declaredBy: ["CATALOG"], lastSeenAt: before(3_600_000) }]);
  });

  it("says nothing is unobserved when the traces are not configured or were never read", () => {
    expect(driftOf({ topology, provenance }, lastRead, false).declaredNotObserved).toEqual([]);
    const never = driftOf({ topology, provenance }, null, true);
    expect(never.declaredNotObserved).toEqual([]);
    expect(never.observedNotDeclared.map((e) => `${e.from}->${e.to}`)).toEqual(["a->b"]);
  });
});
