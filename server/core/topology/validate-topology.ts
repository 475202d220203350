import { AppError } from "../errors";
import type { TopologySpec } from "./types";

export interface TopologyProblem {
  entry: string;
  problem: string;
}

/**
 * Every reason a topology cannot be stored as given: duplicate names, edges or
 * group members that name an unknown service, self-edges. Pure, so the same
 * check guards the demo seed and (later) imported files.
 */
export function findTopologyProblems(topology: TopologySpec): TopologyProblem[] {
  const problems: TopologyProblem[] = [];
  const names = new Set<string>();
  topology.services.forEach((service, i) => {
    if (names.has(service.name)) problems.push({ entry: `services[${i}]`, problem: `duplicate service name "${service.name}"` });
    names.add(service.name);
    if (!Number.isInteger(service.tier) || service.tier < 1) problems.push({ entry: `services[${i}]`, problem: `tier must be a positive integer, got ${service.tier}` });
  });
  const edges = new Set<string>();
  topology.dependencies.forEach((edge, i) => {
    for (const end of [edge.from, edge.to]) {
      if (!names.has(end)) problems.push({ entry: `dependencies[${i}]`, problem: `unknown service "${end}"` });
    }
    if (edge.from === edge.to) problems.push({ entry: `dependencies[${i}]`, problem: `"${edge.from}" cannot depend on itself` });
    const key = `${edge.from}→${edge.to}`;
    if (edges.has(key)) problems.push({ entry: `dependencies[${i}]`, problem: `duplicate edge ${key}` });
    edges.add(key);
  });
  const groups = new Set<string>();
  topology.resourceGroups.forEach((group, i) => {
    if (groups.has(group.name)) problems.push({ entry: `resourceGroups[${i}]`, problem: `duplicate resource group "${group.name}"` });
    groups.add(group.name);
    for (const member of group.members) {
      if (!names.has(member)) problems.push({ entry: `resourceGroups[${i}]`, problem: `unknown service "${member}" in group "${group.name}"` });
    }
  });
  return problems;
}

export function assertTopologyConsistent(topology: TopologySpec): void {
  const problems = findTopologyProblems(topology);
  if (problems.length > 0) {
    throw new AppError("VALIDATION_FAILED", `The topology has ${problems.length} problem(s): ${problems[0]!.entry}: ${problems[0]!.problem}`, { problems });
  }
}
