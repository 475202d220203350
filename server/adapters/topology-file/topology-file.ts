import "server-only";
import { Document, LineCounter, parseDocument, type Node } from "yaml";
import { documentFromTopology, topologyFromDocument, type DocumentPath } from "../../core/graph/topology-document";
import type { GraphSnapshot } from "../../core/graph/types";

// Topology files on disk: YAML (or JSON, which YAML 1.2 reads too) in the
// format of server/core/graph/topology-document.ts. The core validates the
// value; this file owns the text, so it turns each problem's path back into
// the line and column it came from.

export interface FileProblem {
  /** 1-based; null when the problem has no place in the text (an empty file). */
  line: number | null;
  column: number | null;
  /** The entry, e.g. `services[3] (user-service).dependsOn[0]`. */
  entry: string;
  problem: string;
}

export type TopologyFileParse = { ok: true; topology: GraphSnapshot } | { ok: false; problems: FileProblem[] };

export function parseTopologyFile(text: string): TopologyFileParse {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const at = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        return { line: at.line, column: at.col, entry: "(syntax)", problem: error.message.split("\n")[0]! };
      }),
    };
  }
  const value: unknown = doc.toJS();
  const result = topologyFromDocument(value);
  if (result.ok) return result;
  return {
    ok: false,
    problems: result.problems.map(({ path, problem }) => {
      const offset = offsetOf(doc, path);
      const at = offset === null ? null : lineCounter.linePos(offset);
      return { line: at?.line ?? null, column: at?.col ?? null, entry: describeEntry(value, path), problem };
    }),
  };
}

/** The file an export writes; parsing it gives back the same topology. */
export function formatTopologyFile(topology: GraphSnapshot, format: "yaml" | "json" = "yaml"): string {
  const document = documentFromTopology(topology);
  // Leave out what is empty or default, so the file reads like one written by hand.
  const compact = {
    services: document.services.map(({ description, dependsOn, resourceGroups, ...rest }) => ({
      ...rest,
      ...(description ? { description } : {}),
      ...(dependsOn.length ? { dependsOn } : {}),
      ...(resourceGroups.length ? { resourceGroups } : {}),
    })),
    resourceGroups: document.resourceGroups.map(({ description, ...rest }) => ({ ...rest, ...(description ? { description } : {}) })),
  };
  if (format === "json") return `${JSON.stringify(compact, null, 2)}\n`;
  const doc = new Document(compact);
  doc.commentBefore =
    " Interlock service topology (format: docs/topology.md).\n" +
    " services[].dependsOn lists what the service DEPENDS_ON (SYNC_API unless a kind is given);\n" +
    " services[].resourceGroups names groups declared under resourceGroups.";
  return doc.toString({ lineWidth: 0 });
}

/** `file:line:column entry: problem`, one per line, for the command line. */
export function describeFileProblems(file: string, problems: FileProblem[]): string {
  return problems.map((p) => `${file}${p.line === null ? "" : `:${p.line}:${p.column}`} ${p.entry}: ${p.problem}`).join("\n");
}

/** Where the entry at `path` starts; a missing key points at the nearest entry that exists. */
function offsetOf(doc: Document, path: DocumentPath): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | null | undefined;
    if (node && typeof node === "object" && "range" in node && node.range) return node.range[0];
  }
  return null;
}

function describeEntry(value: unknown, path: DocumentPath): string {
  if (path.length === 0) return "(file)";
  let text = "";
  let at: unknown = value;
  path.forEach((part, i) => {
    text += typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${part}`;
    at = at !== null && typeof at === "object" ? (at as Record<string | number, unknown>)[part] : undefined;
    // Name the service or group an index points at: "services[3] (user-service)" is findable.
    if (typeof part === "number" && i === 1 && at !== null && typeof at === "object" && typeof (at as { name?: unknown }).name === "string") {
      text += ` (${(at as { name: string }).name})`;
    }
  });
  return text;
}
