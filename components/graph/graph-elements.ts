// React Flow nodes and edges from the laid-out topology, the selected blast
// radius and the in-flight operations. Pure: the page memoises the base
// elements per topology and re-derives only the highlight on a selection.
import { MarkerType, type Edge, type Node } from "@xyflow/react";
import type { TTopology } from "@/lib/api/graph";
import { blastSetOf, edgeInRadius, groupInRadius, type BlastSet, type InFlightOperation } from "./blast";
import { groupNodeId, type TopologyLayout } from "./layout";
import { EDGE_LOOK, EDGE_PROVENANCE_LABEL, edgeKeyOf, edgeProvenance, type EdgeProvenance, type ProvenanceIndex } from "./provenance";

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

const EDGE_COLOUR = { group: "#a78bfa", groupStrong: "#7c3aed" } as const;
const DASH: Record<DependencyKind, string | undefined> = { SYNC_API: undefined, ASYNC_EVENT: "6 4", DATA: "2 3" };
export const KIND_LABEL: Record<DependencyKind, string> = { SYNC_API: "sync API", ASYNC_EVENT: "async", DATA: "data" };
/** Width of the white core of a double (declared and observed) edge, against its outer stroke. */
export const DOUBLE_CORE = 0.4;

export interface EdgeOptions {
  showGroups: boolean;
  labels: boolean;
  /** Where each edge came from (docs/graph-sources.md); null while it loads or when it failed: every edge is drawn as "unknown". */
  provenance?: ProvenanceIndex | null;
  /** The edge whose provenance is shown (`from->to`): drawn strong and on top. */
  selectedEdge?: string | null;
}

/**
 * Dependency edges point from the dependent to its dependency; ASYNC and DATA
 * edges are dashed/dotted and, when `labels` is on, labelled. Their provenance
 * sets the rest of the look (components/graph/provenance.ts EDGE_LOOK): a
 * single line with a closed arrowhead when only declared, a teal single line
 * with an open arrowhead when only observed, a double line when both.
 * Membership edges are thin violet dashes without arrows. With a selection,
 * edges inside the radius are drawn strong and the rest faded.
 */
export function buildEdges(topology: TTopology, highlight: Highlight, options: EdgeOptions): Edge[] {
  const names = new Set(topology.services.map((s) => s.name));
  const edges: Edge[] = [];
  const seen = new Set<string>();
  for (const { from, to, kind } of topology.dependencies) {
    const key = edgeKeyOf(from, to);
    const id = `dep:${key}`;
    if (from === to || !names.has(from) || !names.has(to) || seen.has(id)) continue;
    seen.add(id);
    const provenance: EdgeProvenance = options.provenance ? edgeProvenance(options.provenance.edges.get(key)) : "unknown";
    const look = EDGE_LOOK[provenance];
    const selected = options.selectedEdge === key;
    const inRadius = highlight.active && edgeInRadius(highlight.sets, from, to);
    const strong = inRadius || selected;
    const faded = highlight.active && !inRadius && !selected;
    const colour = strong ? look.strongColour : look.colour;
    const width = look.width + (selected ? 1.5 : inRadius ? 0.75 : 0);
    // A double edge carries its arrowhead on the white core (drawn last, so the head covers both strokes); markers scale with their path's stroke.
    const markerStroke = look.double ? width * DOUBLE_CORE : width;
    const markerSize = 20 / markerStroke;
    const label = [kind !== "SYNC_API" ? KIND_LABEL[kind] : null, provenance === "observed" ? "observed" : null].filter(Boolean).join(" · ");
    edges.push({
      id,
      source: from,
      target: to,
      type: look.double ? "double" : "default",
      focusable: false,
      className: "cursor-pointer",
      ariaLabel: `${from} depends on ${to} (${KIND_LABEL[kind]}, ${EDGE_PROVENANCE_LABEL[provenance]})`,
      markerEnd: { type: look.arrow === "open" ? MarkerType.Arrow : MarkerType.ArrowClosed, color: colour, width: markerSize, height: markerSize },
      style: { stroke: colour, strokeWidth: width, strokeDasharray: DASH[kind], opacity: faded ? 0.15 : 1 },
      zIndex: selected ? 2 : inRadius ? 1 : 0,
      ...(options.labels && label
        ? { label, labelStyle: { fontSize: 10, fill: "#475569" }, labelBgStyle: { fill: "#f8fafc" }, labelBgPadding: [3, 1] as [number, number], labelBgBorderRadius: 3 }
        : {}),
      data: { kind, provenance, key },
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
