// A topology pasted or uploaded in the console, read in the browser before it
// is sent (docs/topology.md, docs/graph-changes.md). Two shapes are accepted,
// YAML or JSON: the topology file format (services with dependsOn and
// resourceGroups, as `npm run graph:export` writes) and the shape GET
// /api/v1/graph answers (services, dependencies, resourceGroups with members).
// Either becomes the latter, which PUT /api/v1/graph and POST
// /api/v1/graph/diff take. Problems of the file format are located by line and
// column here; the server checks the result again and names what is left.
import { Document, LineCounter, parseDocument, type Node } from "yaml";
import type { TTopology } from "@/lib/api/graph";
import { documentFromTopology, topologyFromDocument, type DocumentPath } from "@/server/core/graph/topology-document";

export interface TextProblem {
  /** 1-based; null when the problem has no place in the text. */
  line: number | null;
  column: number | null;
  /** e.g. `services[3].dependsOn[0]`. */
  entry: string;
  problem: string;
}

export type TopologyTextParse = { ok: true; topology: TTopology; format: "file" | "api" } | { ok: false; problems: TextProblem[] };

export function parseTopologyText(text: string): TopologyTextParse {
  if (text.trim() === "") return { ok: false, problems: [{ line: null, column: null, entry: "(document)", problem: "is empty: paste or upload a topology" }] };
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
  if (!value || typeof value !== "object" || Array.isArray(value) || !Array.isArray((value as { services?: unknown }).services)) {
    return { ok: false, problems: [{ line: 1, column: 1, entry: "(document)", problem: "must be a mapping with a services list (docs/topology.md)" }] };
  }
  // The API's shape has top-level dependencies; the file format keeps each service's edges under it.
  if ("dependencies" in value) {
    const v = value as Partial<TTopology>;
    return { ok: true, format: "api", topology: { services: v.services ?? [], dependencies: v.dependencies ?? [], resourceGroups: v.resourceGroups ?? [] } as TTopology };
  }
  const result = topologyFromDocument(value);
  if (result.ok) return { ok: true, format: "file", topology: result.topology };
  return {
    ok: false,
    problems: result.problems.map(({ path, problem }) => {
      const offset = offsetOf(doc, path);
      const at = offset === null ? null : lineCounter.linePos(offset);
      return { line: at?.line ?? null, column: at?.col ?? null, entry: describePath(path), problem };
    }),
  };
}

/** The graph in the topology file format (YAML), empty fields left out, to edit and apply back. */
export function topologyToYaml(topology: TTopology): string {
  const document = documentFromTopology(topology);
  const compact = {
    services: document.services.map(({ description, dependsOn, resourceGroups, ...rest }) => ({
      ...rest,
      ...(description ? { description } : {}),
      ...(dependsOn.length ? { dependsOn } : {}),
      ...(resourceGroups.length ? { resourceGroups } : {}),
    })),
    resourceGroups: document.resourceGroups.map(({ description, ...rest }) => ({ ...rest, ...(description ? { description } : {}) })),
  };
  return new Document(compact).toString({ lineWidth: 0 });
}

/** `line:column entry: problem`, one line per problem. */
export function describeTextProblem(p: TextProblem): string {
  return `${p.line === null ? "" : `${p.line}:${p.column} `}${p.entry}: ${p.problem}`;
}

function describePath(path: DocumentPath): string {
  return path.reduce<string>((out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${part}` : part), "") || "(document)";
}

/** Where the entry at `path` starts; a missing key points at the nearest entry that exists. */
function offsetOf(doc: Document, path: DocumentPath): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | null | undefined;
    if (node && typeof node === "object" && "range" in node && node.range) return node.range[0];
  }
  return null;
}
