// Backstage entity references (docs/graph-catalog.md#entity-references):
// `[<kind>:][<namespace>/]<name>`, case-insensitive. The kind and namespace
// may be left out where the field defines a default: `spec.owner` defaults to
// a Group, `providesApis`/`consumesApis` to an API, and the namespace to the
// referring entity's own. `dependsOn`/`dependencyOf` have no default kind, so
// there a reference must say `component:` or `resource:`.

export interface EntityRef {
  /** Lower case: `component`, `resource`, `api`, `group`… */
  kind: string;
  /** As written (matching is case-insensitive). */
  namespace: string;
  /** As written (matching is case-insensitive). */
  name: string;
}

export const DEFAULT_NAMESPACE = "default";

/** Backstage's default name rule: 1–63 characters, `[a-zA-Z0-9]` runs separated by one of `-_.`. */
export const ENTITY_NAME = /^[a-zA-Z0-9]+(?:[-_.][a-zA-Z0-9]+)*$/;
/** Backstage's namespace rule: `[a-zA-Z0-9]` runs separated by `-`, at most 63 characters. */
export const ENTITY_NAMESPACE = /^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/;
const ENTITY_KIND = /^[a-zA-Z][a-zA-Z0-9]*$/;

export function isEntityName(value: string): boolean {
  return value.length <= 63 && ENTITY_NAME.test(value);
}

export function isEntityNamespace(value: string): boolean {
  return value.length <= 63 && ENTITY_NAMESPACE.test(value);
}

export type RefParse = { ok: true; ref: EntityRef } | { ok: false; problem: string };

export function parseEntityRef(text: string, defaults: { kind?: string; namespace: string }): RefParse {
  const written = text.trim();
  if (written === "") return { ok: false, problem: "is an empty entity reference" };
  const colon = written.indexOf(":");
  const kind = colon >= 0 ? written.slice(0, colon) : defaults.kind;
  const rest = colon >= 0 ? written.slice(colon + 1) : written;
  const slash = rest.indexOf("/");
  const namespace = slash >= 0 ? rest.slice(0, slash) : defaults.namespace;
  const name = slash >= 0 ? rest.slice(slash + 1) : rest;
  if (kind === undefined) return { ok: false, problem: `"${written}" needs a kind here, e.g. "component:${written}" or "resource:${written}"` };
  if (!ENTITY_KIND.test(kind)) return { ok: false, problem: `"${written}" has an invalid kind "${kind}"` };
  if (!isEntityNamespace(namespace)) return { ok: false, problem: `"${written}" has an invalid namespace "${namespace}"` };
  if (!isEntityName(name)) return { ok: false, problem: `"${written}" has an invalid name "${name}" (1–63 letters or digits, separated by - _ .)` };
  return { ok: true, ref: { kind: kind.toLowerCase(), namespace, name } };
}

/** `component:default/checkout`: how problems and origins name an entity. */
export function formatEntityRef(ref: EntityRef): string {
  return `${ref.kind}:${ref.namespace}/${ref.name}`;
}

/** The case-insensitive identity of an entity: references match on this. */
export function entityKey(ref: EntityRef): string {
  return formatEntityRef(ref).toLowerCase();
}
