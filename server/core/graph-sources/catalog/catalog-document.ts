// What the catalog reader hands the core (docs/graph-catalog.md): each YAML
// document of each catalog file, already parsed, with a way back to the line
// a value came from, so every problem names the file and line to fix.

export type CatalogPath = readonly (string | number)[];

export interface CatalogDocument {
  /** The file as the person who fixes it finds it (the configured path joined with the file below it). */
  file: string;
  /** 1-based line where the document starts; null when unknown. */
  line: number | null;
  /** The document as plain data (YAML parsed to JS); null for an empty document. */
  value: unknown;
  /** 1-based line of the value at `path` in this document (or of its nearest parent that exists); null when unknown. */
  lineOf?: (path: CatalogPath) => number | null;
}

/** Where in a document a problem is; the caller turns it into a line. */
export interface PathProblem {
  path: CatalogPath;
  message: string;
}

export function lineIn(document: CatalogDocument, path: CatalogPath): number | null {
  return document.lineOf?.(path) ?? document.line;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
