import { isRecord, type CatalogPath, type PathProblem } from "./catalog-document";

// A Backstage Location entity points at more catalog files
// (docs/graph-catalog.md#locations). Interlock follows file targets only:
// it reads the catalog from disk, and a URL target would need credentials and
// a network it does not have. Following what it cannot read silently would
// drop entities (and then propose removing their services), so such a target
// is a problem, not a skip.

export interface LocationTarget {
  /** As written: relative to the Location's file, or absolute. */
  target: string;
  path: CatalogPath;
}

export interface LocationTargets {
  targets: LocationTarget[];
  /** `spec.presence: optional`: a missing target is not a problem. */
  optional: boolean;
  problems: PathProblem[];
}

const URL_LIKE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;
const GLOB = /[*?[\]{}]/;

/** The targets of a Location entity's `spec.target` / `spec.targets`, or why they cannot be followed. */
export function locationTargets(value: Record<string, unknown>): LocationTargets {
  const problems: PathProblem[] = [];
  const targets: LocationTarget[] = [];
  const spec = value.spec;
  if (!isRecord(spec)) return { targets, optional: false, problems: [{ path: ["spec"], message: "a Location needs a spec with target or targets" }] };
  if (spec.type !== undefined && spec.type !== "file") {
    problems.push({ path: ["spec", "type"], message: `spec.type is ${JSON.stringify(spec.type)}: Interlock follows file targets only` });
  }
  let optional = false;
  if (spec.presence !== undefined) {
    if (spec.presence === "optional") optional = true;
    else if (spec.presence !== "required") problems.push({ path: ["spec", "presence"], message: 'spec.presence must be "required" or "optional"' });
  }
  const written: LocationTarget[] = [];
  if (spec.target !== undefined) {
    if (typeof spec.target === "string") written.push({ target: spec.target, path: ["spec", "target"] });
    else problems.push({ path: ["spec", "target"], message: "spec.target must be a string" });
  }
  if (spec.targets !== undefined) {
    if (!Array.isArray(spec.targets)) problems.push({ path: ["spec", "targets"], message: "spec.targets must be a list of strings" });
    else
      spec.targets.forEach((t: unknown, i) => {
        if (typeof t === "string") written.push({ target: t, path: ["spec", "targets", i] });
        else problems.push({ path: ["spec", "targets", i], message: "each target must be a string" });
      });
  }
  if (written.length === 0 && problems.length === 0) problems.push({ path: ["spec"], message: "a Location needs spec.target or spec.targets" });
  for (const t of written) {
    if (t.target.trim() === "") problems.push({ path: t.path, message: "a target must not be empty" });
    else if (URL_LIKE.test(t.target)) problems.push({ path: t.path, message: `"${t.target}" is a URL: Interlock follows file targets only (list the files, or configure their directory in GRAPH_CATALOG_PATHS)` });
    else if (GLOB.test(t.target)) problems.push({ path: t.path, message: `"${t.target}" is a pattern: name files or a directory instead` });
    else targets.push(t);
  }
  return { targets, optional, problems };
}
