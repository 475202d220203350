// Root cause analysis (docs/demo.md#what-is-real-and-what-is-simulated): which service a
// failure comes from, along which request path, and the causal chain in
// sentences. The original demo specification called this "Real Logic, Mocked
// Traces": the traces are simulated, the analysis is not.
//
// A failing request marks every span on its way back up as failed, so the
// service an alert fires on is often only passing the error along. The origin
// is the deepest failed span of each error trace; the traces vote, and the
// dependency graph confirms that the path they show can exist at all.
import type { TopologySpec } from "../../../server/core/topology/types";
import type { Detection, RootCause, SourceFrame, Telemetry, TraceSpan } from "../types";
import { extractNullPropertyName } from "./match-error-pattern";

/** A path the dependency graph does not confirm is still evidence, but weaker. */
const UNVERIFIED_PATH_FACTOR = 0.7;
/** No trace shows an error: the detection's service is blamed on the metrics alone. */
const NO_TRACE_EVIDENCE_FACTOR = 0.5;

interface Origin {
  span: TraceSpan;
  depth: number;
  trace: TraceSpan[];
}

export function analyzeRootCause(input: { detection: Detection; telemetry: Telemetry; topology: TopologySpec }): RootCause {
  const { detection, telemetry, topology } = input;
  const traces = groupByTrace(telemetry.traces);
  const origins = traces.map(originOf).filter((o): o is Origin => o !== null);

  if (origins.length === 0) return blameWithoutTraceEvidence(detection, traces, topology);

  // Votes per service; a tie goes to the deeper service, the one the other
  // would be propagating from; then by name, so the answer never depends on order.
  const votes = new Map<string, Origin[]>();
  for (const origin of origins) votes.set(origin.span.service, [...(votes.get(origin.span.service) ?? []), origin]);
  const [blamed, supporting] = [...votes.entries()].sort(([nameA, a], [nameB, b]) => b.length - a.length || maxDepth(b) - maxDepth(a) || nameA.localeCompare(nameB))[0]!;

  const representative = supporting.find((o) => o.span.frame) ?? supporting[0]!;
  const path = pathThrough(representative.span, representative.trace);
  const unverifiedHops = unverifiedHopsOf(path, topology);
  const frame = representative.span.frame ? { ...representative.span.frame } : blamed === detection.service ? detection.frame : null;
  const voteShare = supporting.length / origins.length;

  return {
    blamedService: blamed,
    path,
    chain: causalChain({ detection, blamed, path, frame, origin: representative, unverifiedHops }),
    frame,
    confidence: round2(detection.confidence * voteShare * (unverifiedHops.length === 0 ? 1 : UNVERIFIED_PATH_FACTOR)),
    evidenceSpans: supporting.length,
  };
}

function blameWithoutTraceEvidence(detection: Detection, traces: TraceSpan[][], topology: TopologySpec): RootCause {
  const blamed = detection.service;
  let path = [blamed];
  for (const trace of traces) {
    const span = trace.find((s) => s.service === blamed);
    if (span) {
      path = pathThrough(span, trace);
      break;
    }
  }
  const unverifiedHops = unverifiedHopsOf(path, topology);
  return {
    blamedService: blamed,
    path,
    chain: [
      `No trace shows a failed span, so ${blamed} is blamed on its own metrics: ${detection.metric} at ${detection.value}${detection.unit} against a threshold of ${detection.threshold}${detection.unit}.`,
      ...causalChain({ detection, blamed, path, frame: detection.frame, origin: null, unverifiedHops }),
    ],
    frame: detection.frame,
    confidence: round2(detection.confidence * NO_TRACE_EVIDENCE_FACTOR * (unverifiedHops.length === 0 ? 1 : UNVERIFIED_PATH_FACTOR)),
    evidenceSpans: 0,
  };
}

function groupByTrace(spans: TraceSpan[]): TraceSpan[][] {
  const traces = new Map<string, TraceSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  return [...traces.values()];
}

/** The deepest failed span of a trace (on a tie, one that names a frame), or null for a trace that did not fail. */
function originOf(trace: TraceSpan[]): Origin | null {
  let best: Origin | null = null;
  for (const span of trace) {
    if (span.status !== "ERROR") continue;
    const depth = depthOf(span, trace);
    if (!best || depth > best.depth || (depth === best.depth && span.frame && !best.span.frame)) best = { span, depth, trace };
  }
  return best;
}

function depthOf(span: TraceSpan, trace: TraceSpan[]): number {
  return ancestorsOf(span, trace).length;
}

/** The span's ancestors, root first. Stops at a missing parent or a cycle (mocked data can hold either). */
function ancestorsOf(span: TraceSpan, trace: TraceSpan[]): TraceSpan[] {
  const ancestors: TraceSpan[] = [];
  const seen = new Set([span.spanId]);
  let current = span;
  while (current.parentSpanId !== null) {
    const parent = trace.find((s) => s.spanId === current.parentSpanId);
    if (!parent || seen.has(parent.spanId)) break;
    seen.add(parent.spanId);
    ancestors.unshift(parent);
    current = parent;
  }
  return ancestors;
}

function maxDepth(origins: Origin[]): number {
  return Math.max(...origins.map((o) => o.depth));
}

/**
 * The services on the request path through `span`, caller first: its callers,
 * itself, and what it called in turn (the original specification's example: "user-service → payment-service →
 * postgres_primary"). Below the span the first child is followed; repeated
 * services (internal spans) appear once.
 */
function pathThrough(span: TraceSpan, trace: TraceSpan[]): string[] {
  const spans = [...ancestorsOf(span, trace), span];
  const seen = new Set(spans.map((s) => s.spanId));
  let current = span;
  for (;;) {
    const child = trace.find((s) => s.parentSpanId === current.spanId && !seen.has(s.spanId));
    if (!child) break;
    seen.add(child.spanId);
    spans.push(child);
    current = child;
  }
  return spans.map((s) => s.service).filter((service, i, all) => i === 0 || all[i - 1] !== service);
}

/**
 * The hops of `path` the topology does not know: a hop holds when the caller
 * DEPENDS_ON the callee, or the callee is a resource group (postgres_primary)
 * the caller is a member of.
 */
function unverifiedHopsOf(path: string[], topology: TopologySpec): [string, string][] {
  const unverified: [string, string][] = [];
  for (let i = 1; i < path.length; i++) {
    const from = path[i - 1]!;
    const to = path[i]!;
    const edge = topology.dependencies.some((d) => d.from === from && d.to === to);
    const resource = topology.resourceGroups.some((g) => g.name === to && g.members.includes(from));
    if (!edge && !resource) unverified.push([from, to]);
  }
  return unverified;
}

// ---- the causal chain -------------------------------------------------------

interface ChainInput {
  detection: Detection;
  blamed: string;
  path: string[];
  frame: SourceFrame | null;
  origin: Origin | null;
  unverifiedHops: [string, string][];
}

/** The "causal chain": what happened, in order, from the request to the error the callers saw. */
function causalChain({ detection, blamed, path, frame, origin, unverifiedHops }: ChainInput): string[] {
  const at = path.indexOf(blamed);
  const callers = at > 0 ? path.slice(0, at) : [];
  const caller = callers[callers.length - 1];
  const callee = at >= 0 ? path[at + 1] : undefined;
  const errorText = origin?.span.error ?? detection.matchedBy[0] ?? `${detection.metric} above ${detection.threshold}${detection.unit}`;
  const errorName = /^([A-Za-z_$][\w$.]*(?:Error|Exception))\b/.exec(errorText)?.[1] ?? "Error";
  const where = frame ? `${frame.file}${frame.line !== undefined ? `:${frame.line}` : ""} (${frame.function})` : blamed;
  // "TypeError thrown: Cannot read …", not "TypeError thrown: TypeError: Cannot read …".
  const detail = errorText.startsWith(`${errorName}: `) ? errorText.slice(errorName.length + 2) : errorText;
  const thrown = `${errorName} thrown: ${detail}${/[.!?]$/.test(detail) ? "" : "."}`;

  const chain = [caller ? `${caller} sends a request to ${blamed}${origin ? ` (${origin.span.operation})` : ""}.` : `A request reaches ${blamed}.`];
  switch (detection.pattern) {
    case "NULL_POINTER_EXCEPTION": {
      const property = extractNullPropertyName(errorText);
      chain.push(
        property ? `The value ${blamed} reads .${property} from is null on these requests.` : `A value ${blamed} dereferences is null on these requests.`,
        `${where} accesses ${property ? `.${property}` : "a property"} without a null check.`,
        thrown,
      );
      break;
    }
    case "UPSTREAM_TIMEOUT": {
      const slow = origin ? origin.trace.find((s) => s.parentSpanId === origin.span.spanId) : undefined;
      chain.push(
        callee ? `${blamed} calls ${callee}, which ${slow ? `takes ${slow.durationMs} ms to answer` : "answers slowly"}.` : `${blamed} waits on a slow dependency.`,
        `The call's timeout in ${where} fires before the answer arrives.`,
        thrown,
      );
      break;
    }
    case "CONNECTION_POOL_EXHAUSTED": {
      const utilization = detection.metric === "pool_utilization" ? ` (${detection.value}% in use)` : "";
      chain.push(
        `Every connection in ${blamed}'s pool${callee ? ` to ${callee}` : ""} is taken${utilization}.`,
        `Requests in ${where} wait for a free connection until the acquire timeout expires.`,
        thrown,
      );
      break;
    }
    case "TRANSIENT_NETWORK_ERROR":
      chain.push(`The connection between ${blamed} and ${callee ?? "its peer"} is dropped mid-request.`, `${where} does not retry the failed call.`, thrown);
      break;
    case "UNKNOWN":
      chain.push(`${where} fails with an error no known pattern explains.`, thrown);
      break;
  }
  if (callers.length > 0) chain.push(`The failure propagates back to ${[...callers].reverse().join(", then ")}.`);
  if (blamed !== detection.service) chain.push(`The anomaly shows on ${detection.service}, which only passes on the failure from ${blamed}.`);
  for (const [from, to] of unverifiedHops) chain.push(`The dependency graph has no ${from} → ${to} edge, so this path is unverified.`);
  return chain;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
