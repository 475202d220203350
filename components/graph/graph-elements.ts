// React Flow nodes and edges from the laid-out topology, the selected blast
// radius and the in-flight operations. Pure: the page memoises the base
// elements per topology and re-derives only the highlight on a selection.
import { MarkerType, type Edge, type Node } from "@xyflow/react";
import type { TTopology } from "@/lib/api/graph";
import { blastSetOf, edgeInRadius, groupInRadius, type BlastSet, type InFlightOperation } from "./blast";
import { groupNodeId, type TopologyLayout } from "./layout";

type Service = TTopology["services"][number];
type Group = TTopology["resourceGroups"][number];
type DependencyKind = TTopology["dependencies"][number]["kind"];

export type ServiceNodeData = {
  service: Service;
  blast: BlastSet;
  /** A selection is shown and this service is outside it. */
  dimmed: boolean;
  inFlight: InFlightOperation[];
  /** One of its in-flight operations overlaps another's blast radius. */
  conflict: boolean;
};
export type GroupNodeData = { group: Group; highlighted: boolean; dimmed: boolean };
export type ServiceFlowNode = Node<ServiceNodeData, "service">;
export type GroupFlowNode = Node<GroupNodeData, "resourceGroup">;
export type GraphFlowNode = ServiceFlowNode | GroupFlowNode;

export interface Highlight {
  /** Affected services by set; empty when nothing is selected. */
  sets: ReadonlyMap<string, Exclude<BlastSet, "none">>;
  active: boolean;
  inFlightByService: ReadonlyMap<string, InFlightOperation[]>;
  conflicted: ReadonlySet<string>;
}

const NONE_IN_FLIGHT: InFlightOperation[] = [];

export const NO_HIGHLIGHT: Highlight = { sets: new Map(), active: false, inFlightByService: new Map(), conflicted: new Set() };

export function buildNodes(topology: TTopology, layout: TopologyLayout, highlight: Highlight, showGroups: boolean): GraphFlowNode[] {
  const services = new Map(topology.services.map((s) => [s.name, s]));
  const groups = new Map(topology.resourceGroups.map((g) => [groupNodeId(g.name), g]));
  const nodes: GraphFlowNode[] = [];
  for (const placed of layout.nodes) {
    const common = { id: placed.id, position: { x: placed.x, y: placed.y }, width: placed.width, height: placed.height, draggable: false, connectable: false };
    if (placed.kind === "service") {
      const service = services.get(placed.name);
      if (!service) continue;
      const blast = blastSetOf(highlight.sets, service.name);
      const inFlight = highlight.inFlightByService.get(service.name) ?? NONE_IN_FLIGHT;
      nodes.push({
        ...common,
        type: "service",
        ariaLabel: `${service.name}, tier ${service.tier}, ${service.criticality.toLowerCase()}${highlight.active ? `, ${blast === "none" ? "not affected" : `blast radius: ${blast}`}` : ""}${inFlight.length ? `, ${inFlight.length} in flight` : ""}`,
        data: { service, blast, dimmed: highlight.active && blast === "none", inFlight, conflict: highlight.conflicted.has(service.name) },
      });
    } else if (showGroups) {
      const group = groups.get(placed.id);
      if (!group) continue;
      const highlighted = highlight.active && groupInRadius(highlight.sets, group.members);
      nodes.push({
        ...common,
        type: "resourceGroup",
        ariaLabel: `Resource group ${group.name} (${group.kind.toLowerCase()}), ${group.members.length} members`,
        data: { group, highlighted, dimmed: highlight.active && !highlighted },
      });
    }
  }
  return nodes;
}

const EDGE_COLOUR = { normal: "#94a3b8", strong: "#334155", group: "#a78bfa", groupStrong: "#7c3aed" } as const;
const DASH: Record<DependencyKind, string | undefined> = { SYNC_API: undefined, ASYNC_EVENT: "6 4", DATA: "2 3" };
export const KIND_LABEL: Record<DependencyKind, string> = { SYNC_API: "sync API", ASYNC_EVENT: "async", DATA: "data" };

/**
 * Dependency edges point from the dependent to its dependency; ASYNC and DATA
 * edges are dashed/dotted and, when `labels` is on, labelled. Membership edges
 * are thin violet dashes without arrows. With a selection, edges inside the
 * radius are drawn strong and the rest faded.
 */
export function buildEdges(topology: TTopology, highlight: Highlight, options: { showGroups: boolean; labels: boolean }): Edge[] {
  const names = new Set(topology.services.map((s) => s.name));
  const edges: Edge[] = [];
  const seen = new Set<string>();
  for (const { from, to, kind } of topology.dependencies) {
    const id = `dep:${from}->${to}`;
    if (from === to || !names.has(from) || !names.has(to) || seen.has(id)) continue;
    seen.add(id);
    const inRadius = highlight.active && edgeInRadius(highlight.sets, from, to);
    const faded = highlight.active && !inRadius;
    const colour = inRadius ? EDGE_COLOUR.strong : EDGE_COLOUR.normal;
    edges.push({
      id,
      source: from,
      target: to,
      type: "default",
      focusable: false,
      ariaLabel: `${from} depends on ${to} (${KIND_LABEL[kind]})`,
      markerEnd: { type: MarkerType.ArrowClosed, color: colour, width: 16, height: 16 },
      style: { stroke: colour, strokeWidth: inRadius ? 2 : 1.25, strokeDasharray: DASH[kind], opacity: faded ? 0.15 : 1 },
      zIndex: inRadius ? 1 : 0,
      ...(options.labels && kind !== "SYNC_API"
        ? { label: KIND_LABEL[kind], labelStyle: { fontSize: 10, fill: "#475569" }, labelBgStyle: { fill: "#f8fafc" }, labelBgPadding: [3, 1] as [number, number], labelBgBorderRadius: 3 }
        : {}),
      data: { kind },
    });
  }
  if (options.showGroups) {
    for (const group of topology.resourceGroups) {
      const target = groupNodeId(group.name);
      const strong = highlight.active && groupInRadius(highlight.sets, group.members);
      for (const member of new Set(group.members)) {
        if (!names.has(member)) continue;
        const inRadius = strong && highlight.sets.has(member);
        edges.push({
          id: `member:${member}->${group.name}`,
          source: member,
          target,
          type: "default",
          focusable: false,
          ariaLabel: `${member} uses ${group.name}`,
          style: { stroke: inRadius ? EDGE_COLOUR.groupStrong : EDGE_COLOUR.group, strokeWidth: inRadius ? 2 : 1, strokeDasharray: "4 4", opacity: highlight.active && !inRadius ? 0.15 : 0.9 },
          data: { kind: "MEMBER" },
        });
      }
    }
  }
  return edges;
}

/** In-flight operations by their target service. */
export function inFlightByService(operations: readonly InFlightOperation[]): Map<string, InFlightOperation[]> {
  const byService = new Map<string, InFlightOperation[]>();
  for (const op of operations) {
    const list = byService.get(op.service);
    if (list) list.push(op);
    else byService.set(op.service, [op]);
  }
  return byService;
}

/**
 * Keeps the previous object of every node or edge whose data and style did not
 * change, so React Flow re-renders only what a new selection touched (at 1,000
 * services a selection changes a fraction of the nodes).
 */
export function reuseUnchanged<T extends { id: string; data?: Record<string, unknown>; style?: object; ariaLabel?: string; position?: { x: number; y: number } }>(previous: readonly T[], next: T[]): T[] {
  if (previous.length === 0) return next;
  const before = new Map(previous.map((item) => [item.id, item]));
  return next.map((item) => {
    const old = before.get(item.id);
    return old && old.position?.x === item.position?.x && old.position?.y === item.position?.y && old.ariaLabel === item.ariaLabel && shallowEqual(old.data, item.data) && shallowEqual(old.style, item.style) ? old : item;
  });
}

function shallowEqual(a: object | undefined, b: object | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}
