"use client";

import { BaseEdge, EdgeText, Handle, Position, getBezierPath, useStore, type EdgeProps, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { BlastSet } from "./blast";
import { DOUBLE_CORE, type GroupFlowNode, type ServiceFlowNode } from "./graph-elements";

// Blast-radius sets: border and fill per set (the legend uses the same swatches).
export const BLAST_STYLE: Record<BlastSet, { node: string; swatch: string }> = {
  direct: { node: "border-rose-600 bg-rose-50 ring-2 ring-rose-600", swatch: "bg-rose-500" },
  shared: { node: "border-violet-600 bg-violet-50 ring-2 ring-violet-500", swatch: "bg-violet-500" },
  downstream: { node: "border-amber-500 bg-amber-50 ring-2 ring-amber-400", swatch: "bg-amber-400" },
  upstream: { node: "border-sky-600 bg-sky-50 ring-2 ring-sky-500", swatch: "bg-sky-500" },
  none: { node: "border-slate-300 bg-white", swatch: "bg-white border border-slate-300" },
};

export const CRITICALITY_STYLE = {
  CRITICAL: "bg-red-100 text-red-800",
  HIGH: "bg-orange-100 text-orange-800",
  MEDIUM: "bg-yellow-100 text-yellow-800",
  LOW: "bg-slate-100 text-slate-700",
} as const;

const CRITICALITY_STRIPE = { CRITICAL: "bg-red-500", HIGH: "bg-orange-400", MEDIUM: "bg-yellow-400", LOW: "bg-slate-300" } as const;

// Below this zoom the text is unreadable anyway: draw boxes only (cheap at 1,000 services).
const DETAIL_ZOOM = 0.4;
const zoomedOut = (s: { transform: [number, number, number] }) => s.transform[2] < DETAIL_ZOOM;

const hidden = "!h-1 !w-1 !min-h-0 !min-w-0 !border-0 !bg-transparent";

function ServiceNodeView({ data }: NodeProps<ServiceFlowNode>) {
  const compact = useStore(zoomedOut);
  const { service, blast, dimmed, inFlight, conflict } = data;
  return (
    <div
      data-testid="graph-node"
      data-service={service.name}
      data-blast={blast}
      data-in-flight={inFlight.length || undefined}
      data-conflict={conflict || undefined}
      title={`${service.name} — tier ${service.tier}, ${service.criticality}, team ${service.team}${service.description ? `\n${service.description}` : ""}`}
      className={`relative flex h-full w-full cursor-pointer overflow-visible rounded-md border text-left shadow-sm transition-opacity ${BLAST_STYLE[blast].node} ${dimmed ? "opacity-30" : ""} ${conflict ? "outline-3 outline-offset-2 outline-red-600" : ""}`}
    >
      <Handle type="target" position={Position.Left} className={hidden} isConnectable={false} />
      <span aria-hidden className={`w-1.5 shrink-0 rounded-l-md ${CRITICALITY_STRIPE[service.criticality]}`} />
      {!compact && (
        <span className="flex min-w-0 flex-1 flex-col justify-center gap-0.5 px-2">
          <span className="truncate text-[13px] font-semibold leading-tight text-slate-900">{service.name}</span>
          <span className="flex items-center gap-1 text-[11px] leading-tight text-slate-600">
            <span>T{service.tier}</span>
            <span className={`rounded px-1 font-medium ${CRITICALITY_STYLE[service.criticality]}`}>{service.criticality}</span>
            <span className="truncate">{service.team}</span>
          </span>
        </span>
      )}
      {inFlight.length > 0 && (
        <span
          className={`absolute -right-2 -top-2 rounded-full px-1.5 text-[10px] font-semibold leading-4 text-white shadow ${conflict ? "bg-red-600" : "bg-indigo-600"}`}
          aria-hidden
        >
          {conflict ? "⚠ " : "▶ "}
          {inFlight.length}
        </span>
      )}
      <Handle type="source" position={Position.Right} className={hidden} isConnectable={false} />
    </div>
  );
}

function GroupNodeView({ data }: NodeProps<GroupFlowNode>) {
  const compact = useStore(zoomedOut);
  const { group, highlighted, dimmed } = data;
  return (
    <div
      data-testid="graph-group"
      data-group={group.name}
      data-highlighted={highlighted || undefined}
      title={`${group.name} (${group.kind}) — ${group.members.join(", ")}`}
      className={`flex h-full w-full flex-col justify-center rounded-xl border-2 border-dashed px-2 ${highlighted ? "border-violet-600 bg-violet-100" : "border-violet-300 bg-violet-50"} ${dimmed ? "opacity-30" : ""}`}
    >
      <Handle type="target" position={Position.Left} className={hidden} isConnectable={false} />
      {!compact && (
        <>
          <span className="truncate text-[13px] font-semibold text-violet-900">{group.name}</span>
          <span className="text-[11px] text-violet-700">
            {group.kind.toLowerCase()} · {group.members.length} members
          </span>
        </>
      )}
    </div>
  );
}

export const ServiceNode = memo(ServiceNodeView);
export const GroupNode = memo(GroupNodeView);
export const NODE_TYPES = { service: ServiceNode, resourceGroup: GroupNode };

/**
 * An edge both declared and observed (components/graph/provenance.ts): a wide
 * stroke with a white core reads as a double line, whatever the colour. The
 * arrowhead sits on the core, drawn last, so it covers both strokes; the label
 * goes on top of all.
 */
function DoubleEdgeView({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, style, markerEnd, label, labelStyle, labelShowBg, labelBgStyle, labelBgPadding, labelBgBorderRadius, interactionWidth }: EdgeProps) {
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  const width = Number(style?.strokeWidth ?? 4);
  return (
    <>
      <BaseEdge id={id} path={path} style={style} interactionWidth={interactionWidth} />
      <path
        d={path}
        fill="none"
        stroke="#ffffff"
        strokeWidth={width * DOUBLE_CORE}
        strokeDasharray={style?.strokeDasharray}
        opacity={style?.opacity}
        markerEnd={markerEnd}
        pointerEvents="none"
        data-testid="double-edge-core"
      />
      {label ? (
        <EdgeText x={labelX} y={labelY} label={label} labelStyle={labelStyle} labelShowBg={labelShowBg} labelBgStyle={labelBgStyle} labelBgPadding={labelBgPadding} labelBgBorderRadius={labelBgBorderRadius} />
      ) : null}
    </>
  );
}

export const DoubleEdge = memo(DoubleEdgeView);
export const EDGE_TYPES = { double: DoubleEdge };
