import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import { assertionFromCatalog } from "../../core/graph-sources/catalog/assertion-from-catalog";
import { isRecord, type CatalogDocument, type CatalogPath } from "../../core/graph-sources/catalog/catalog-document";
import { locationTargets } from "../../core/graph-sources/catalog/location-targets";
import type { SourceAssertion, SourceProblem } from "../../core/graph/live-graph-types";

// Reads a Backstage catalog from disk (docs/graph-catalog.md#reading): the
// configured files and directories (directories recursively, *.yaml and
// *.yml), every YAML document in each file, and the files that Location
// entities point at. The core turns the documents into an assertion; this
// file owns the text, so it turns each problem's path back into a line.
//
// Bounds: a Location is followed only to a file or directory inside the root
// it was reached from (the configured directory, or a configured file's
// directory), checked on the real path so a symlink cannot leave it either;
// Locations nest at most CATALOG_LIMITS.locationDepth deep; a read stops at
// CATALOG_LIMITS.files files of at most CATALOG_LIMITS.fileBytes each.

export const CATALOG_LIMITS = { locationDepth: 5, files: 5_000, fileBytes: 5 * 1024 * 1024 } as const;

export type CatalogReadResult = { assertion: SourceAssertion } | { problems: SourceProblem[] };

export interface CatalogSourceOptions {
  /** Files or directories (GRAPH_CATALOG_PATHS, split by the caller). */
  paths: readonly string[];
  /** How deep Location entities are followed; default CATALOG_LIMITS.locationDepth. */
  locationDepth?: number;
}

/** The CATALOG graph source: each read() reads the catalog afresh. */
export class CatalogSource {
  readonly paths: readonly string[];
  private readonly locationDepth: number;

  constructor(options: CatalogSourceOptions | readonly string[]) {
    const o: CatalogSourceOptions = Array.isArray(options) ? { paths: options as readonly string[] } : (options as CatalogSourceOptions);
    this.paths = o.paths.map((p) => p.trim()).filter((p) => p !== "");
    this.locationDepth = o.locationDepth ?? CATALOG_LIMITS.locationDepth;
  }

  /** The catalog as what it asserts, or every problem in it (then nothing is to be applied). */
  async read(): Promise<CatalogReadResult> {
    const origin = this.paths.join(", ");
    if (this.paths.length === 0) return { problems: [{ file: "GRAPH_CATALOG_PATHS", line: null, entity: null, message: "no catalog paths are configured" }] };
    const { documents, problems } = await readCatalogDocuments(this.paths, this.locationDepth);
    const result = assertionFromCatalog(documents, origin, problems);
    return result.ok ? { assertion: result.assertion } : { problems: dedupe(result.problems) };
  }
}

interface Root {
  /** Real path of the directory nothing may leave. */
  real: string;
  /** How the configured path was written, for file names in problems. */
  shown: string;
}

interface Pending {
  abs: string;
  root: Root;
  depth: number;
  /** Where it was named (a Location's target), for problems about it. */
  from: { file: string; line: number | null; entity: string | null } | null;
  optional: boolean;
}

/** Every YAML document of the catalog, in reading order, and the problems met reading it. */
export async function readCatalogDocuments(paths: readonly string[], locationDepth: number = CATALOG_LIMITS.locationDepth): Promise<{ documents: CatalogDocument[]; problems: SourceProblem[] }> {
  const documents: CatalogDocument[] = [];
  const problems: SourceProblem[] = [];
  const read = new Set<string>();
  let fileCount = 0;
  let overLimit = false;

  const queue: Pending[] = [];
  for (const configured of paths) {
    const abs = path.resolve(configured);
    const stat = await fs.stat(abs).catch(() => null);
    if (!stat) {
      problems.push({ file: configured, line: null, entity: null, message: "does not exist (GRAPH_CATALOG_PATHS)" });
      continue;
    }
    const real = await fs.realpath(abs);
    const root: Root = stat.isDirectory() ? { real, shown: configured } : { real: path.dirname(real), shown: path.dirname(configured) };
    queue.push({ abs: real, root, depth: 0, from: null, optional: false });
  }

  const shownOf = (root: Root, real: string) => path.join(root.shown, path.relative(root.real, real));
  const problemAt = (item: Pending, message: string) =>
    problems.push(item.from ? { ...item.from, message } : { file: item.abs, line: null, entity: null, message });

  // Depth-first, in the order paths and targets are written, directories sorted: the same catalog reads the same way every time.
  while (queue.length > 0) {
    const item = queue.shift()!;
    const real = await fs.realpath(item.abs).catch(() => null);
    if (real === null) {
      if (!item.optional) problemAt(item, `target ${item.abs} does not exist`);
      continue;
    }
    if (!inside(item.root.real, real)) {
      problemAt(item, `target ${item.abs} is outside the catalog root ${item.root.real}; Interlock reads nothing outside the configured paths`);
      continue;
    }
    const stat = await fs.stat(real);
    const files = stat.isDirectory() ? await yamlFilesUnder(real, item.root, problems, shownOf) : [real];
    const next: Pending[] = [];
    for (const file of files) {
      if (read.has(file)) continue;
      read.add(file);
      if (++fileCount > CATALOG_LIMITS.files) {
        overLimit = true;
        break;
      }
      const shown = shownOf(item.root, file);
      const size = (await fs.stat(file)).size;
      if (size > CATALOG_LIMITS.fileBytes) {
        problems.push({ file: shown, line: null, entity: null, message: `is ${size} bytes; catalog files are read up to ${CATALOG_LIMITS.fileBytes}` });
        continue;
      }
      const parsed = parseCatalogFile(shown, await fs.readFile(file, "utf8"));
      problems.push(...parsed.problems);
      for (const doc of parsed.documents) {
        documents.push(doc);
        if (!isRecord(doc.value) || typeof doc.value.kind !== "string" || doc.value.kind.trim().toLowerCase() !== "location") continue;
        const entity = describeEntity(doc.value);
        const located = locationTargets(doc.value);
        for (const p of located.problems) problems.push({ file: shown, line: lineOf(doc, p.path), entity, message: p.message });
        for (const t of located.targets) {
          const from = { file: shown, line: lineOf(doc, t.path), entity };
          if (item.depth + 1 > locationDepth) {
            problems.push({ ...from, message: `"${t.target}" is not followed: Locations nest at most ${locationDepth} deep` });
            continue;
          }
          next.push({ abs: path.resolve(path.dirname(file), t.target), root: item.root, depth: item.depth + 1, from, optional: located.optional });
        }
      }
    }
    queue.unshift(...next);
    if (overLimit) {
      problems.push({ file: paths.join(", "), line: null, entity: null, message: `the catalog has more than ${CATALOG_LIMITS.files} files; refusing to read further` });
      break;
    }
  }
  return { documents, problems };
}

/** One file's YAML documents, or its syntax errors located by line (then none of its documents). */
export function parseCatalogFile(file: string, text: string): { documents: CatalogDocument[]; problems: SourceProblem[] } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: SourceProblem[] = [];
  for (const doc of docs) {
    for (const error of doc.errors) {
      const at = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
      problems.push({ file, line: at.line, entity: null, message: `YAML: ${error.message.split("\n")[0]!}` });
    }
  }
  // A file with a syntax error contributes nothing: its documents may be cut at the wrong place.
  if (problems.length > 0) return { documents: [], problems };
  const documents = docs.map((doc): CatalogDocument => {
    const start = (doc.contents as Node | null)?.range?.[0] ?? doc.range[0];
    return {
      file,
      line: lineCounter.linePos(start).line,
      value: doc.toJS() as unknown,
      lineOf: (p: CatalogPath) => {
        const offset = offsetOf(doc, p);
        return offset === null ? null : lineCounter.linePos(offset).line;
      },
    };
  });
  return { documents, problems };
}

/** Where the value at `path` starts; a missing key points at the nearest parent that exists. */
function offsetOf(doc: Document, p: CatalogPath): number | null {
  for (let n = p.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(p.slice(0, n), true)) as Node | null | undefined;
    if (node && typeof node === "object" && "range" in node && node.range) return node.range[0];
  }
  return null;
}

function lineOf(doc: CatalogDocument, p: CatalogPath): number | null {
  return doc.lineOf?.(p) ?? doc.line;
}

function describeEntity(value: Record<string, unknown>): string | null {
  const metadata = value.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== "string") return null;
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : "default";
  return `location:${namespace}/${metadata.name}`;
}

function inside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/** *.yaml and *.yml files under `dir`, sorted; hidden entries and node_modules are skipped; nothing outside the root is read. */
async function yamlFilesUnder(dir: string, root: Root, problems: SourceProblem[], shownOf: (root: Root, real: string) => string): Promise<string[]> {
  const found: string[] = [];
  const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const abs = path.join(dir, entry.name);
    const real = entry.isSymbolicLink() ? await fs.realpath(abs).catch(() => null) : abs;
    if (real === null) continue;
    if (!inside(root.real, real)) {
      problems.push({ file: shownOf(root, abs), line: null, entity: null, message: `links to ${real}, outside the catalog root ${root.real}; not read` });
      continue;
    }
    const stat = await fs.stat(real);
    if (stat.isDirectory()) {
      // A link back up the tree would loop; real paths already walked are not walked again.
      if (!entry.isSymbolicLink()) found.push(...(await yamlFilesUnder(real, root, problems, shownOf)));
    } else if (stat.isFile() && /\.ya?ml$/i.test(entry.name)) found.push(real);
  }
  return found;
}

function dedupe(problems: SourceProblem[]): SourceProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify([p.file, p.line, p.entity, p.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
