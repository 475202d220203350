// A topology with a share of it changed, deterministically (seeded): the
// "next version of the estate" that tests of the graph's write path and
// `npm run bench -- graph` apply (docs/graph-changes.md). Pure.
import type { DependencySpec, ServiceSpec, TopologySpec } from "../topology/types";
import { mulberry32 } from "./generate-synthetic-topology";
import { edgeKey } from "./live-graph-types";
import { normalizeTopology } from "./normalize-topology";

/**
 * Changes about `share` of the edges (half removed, half added), a tenth as
 * many services altered, and a few services added and removed (with their
 * edges and memberships), so every kind of row change is exercised.
 */
export function perturbTopology(topology: TopologySpec, options: { share: number; seed: number; keep?: ReadonlySet<string> }): TopologySpec {
  const random = mulberry32(options.seed);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const edgeChanges = Math.max(2, Math.round(topology.dependencies.length * options.share));
  const serviceChanges = Math.max(1, Math.round(topology.services.length * options.share * 0.5));
  const churn = Math.max(1, Math.round(topology.services.length * options.share * 0.1));
  const keep = options.keep ?? new Set<string>();

  const removedServices = new Set<string>();
  const candidates = topology.services.filter((s) => !keep.has(s.name));
  for (let i = 0; i < churn && candidates.length > 0; i++) removedServices.add(pick(candidates).name);

  const services = new Map<string, ServiceSpec>(topology.services.filter((s) => !removedServices.has(s.name)).map((s) => [s.name, s]));
  const alive = [...services.keys()];
  for (let i = 0; i < serviceChanges; i++) {
    const s = services.get(pick(alive))!;
    services.set(s.name, { ...s, tier: (s.tier % 5) + 1, team: `${s.team.split("~")[0]}~${options.seed}` });
  }
  const added: string[] = [];
  for (let i = 0; i < churn; i++) {
    const name = `svc-new-${options.seed}-${i}`;
    if (services.has(name)) continue;
    services.set(name, { name, tier: 1 + Math.floor(random() * 5), criticality: "MEDIUM", team: `team-${options.seed}`, description: "" });
    added.push(name);
  }

  const edges = new Map<string, DependencySpec>();
  for (const d of topology.dependencies) if (services.has(d.from) && services.has(d.to)) edges.set(edgeKey(d), d);
  const existing = [...edges.keys()];
  for (let i = 0; i < edgeChanges / 2; i++) edges.delete(pick(existing));
  const names = [...services.keys()];
  for (let i = 0; i < edgeChanges / 2; i++) {
    const from = i < added.length ? added[i]! : pick(names);
    const to = pick(names);
    if (from === to) continue;
    const d: DependencySpec = { from, to, kind: random() < 0.8 ? "SYNC_API" : "ASYNC_EVENT" };
    edges.set(edgeKey(d), d);
  }

  const resourceGroups = topology.resourceGroups.map((g, i) => {
    const members = g.members.filter((m) => services.has(m));
    if (i % 10 === options.seed % 10 && members.length > 1) members.pop();
    return { ...g, members };
  });
  return normalizeTopology({ services: [...services.values()], dependencies: [...edges.values()], resourceGroups });
}
