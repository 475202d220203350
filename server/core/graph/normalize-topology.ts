import { AppError } from "../errors";
import type { GraphSnapshot } from "./types";

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One canonical order for a topology (services by name, edges by from then to,
 * groups by name with sorted members), so that two stores, an export and a
 * re-import can be compared with a plain deep-equal. Code-point order, not
 * locale order, so Postgres (COLLATE "C"), Neo4j and JavaScript agree.
 */
export function normalizeTopology(topology: GraphSnapshot): GraphSnapshot {
  return {
    services: [...topology.services].map((s) => ({ name: s.name, tier: s.tier, criticality: s.criticality, team: s.team, description: s.description })).sort((a, b) => byString(a.name, b.name)),
    dependencies: [...topology.dependencies].map((d) => ({ from: d.from, to: d.to, kind: d.kind })).sort((a, b) => byString(a.from, b.from) || byString(a.to, b.to)),
    resourceGroups: [...topology.resourceGroups]
      .map((g) => ({ name: g.name, kind: g.kind, description: g.description, members: [...g.members].sort(byString) }))
      .sort((a, b) => byString(a.name, b.name)),
  };
}

/**
 * A store that wrote fewer edges than it was given met an edge naming a service
 * outside the topology (only an unvalidated topology gets that far): refuse the
 * whole replacement rather than drop edges silently.
 */
export function assertEveryEdgeStored(given: number, stored: number): void {
  if (stored !== given) {
    throw new AppError("VALIDATION_FAILED", `${given - stored} dependency edge(s) name services that are not in the topology`);
  }
}
