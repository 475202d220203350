import type { SourceAssertion, SourceProblem } from "../../graph/live-graph-types";
import { CRITICALITIES, DEPENDENCY_KINDS, type Criticality, type DependencyKind, type ResourceKind, type ServiceSpec } from "../../topology/types";
import { isRecord, lineIn, type CatalogDocument, type CatalogPath } from "./catalog-document";
import { DEFAULT_NAMESPACE, entityKey, formatEntityRef, isEntityName, isEntityNamespace, parseEntityRef, type EntityRef } from "./entity-ref";

// A Backstage catalog as a source of the dependency graph (docs/graph-catalog.md):
// Components become services, Resources become resource groups, and the
// catalog's relations become edges and memberships:
//   component A  spec.dependsOn: component:B      → edge A → B
//   component B  spec.dependencyOf: component:A   → edge A → B
//   component A  spec.dependsOn: resource:R       → A is a member of group R
//   resource R   spec.dependencyOf: component:A   → A is a member of group R
//   A consumesApis X, B providesApis X            → edge A → B
// The catalog is read whole or not at all: any problem means no assertion,
// and every problem is reported with its file, line and entity.

/** The annotations Interlock reads from a Component (docs/graph-catalog.md#annotations). */
export const CATALOG_ANNOTATIONS = {
  tier: "interlock.dev/tier",
  criticality: "interlock.dev/criticality",
  dependencyKinds: "interlock.dev/dependency-kinds",
} as const;

/**
 * A Component without the annotations is treated as the most important kind
 * of service (docs/graph-catalog.md#defaults): tier 1 and CRITICAL, so every
 * freeze window, halt and approval policy scoped to tier 1 covers it. Guessing
 * low would silently exempt an unlabelled service from those controls; guessing
 * high costs extra caution until its team annotates it.
 */
export const CATALOG_DEFAULTS: { tier: number; criticality: Criticality } = { tier: 1, criticality: "CRITICAL" };

/** The apiVersions of the kinds Interlock reads (Backstage's own validators accept these two). */
export const CATALOG_API_VERSIONS = ["backstage.io/v1alpha1", "backstage.io/v1beta1"] as const;

/** Resource `spec.type` → resource group kind; any other type is OTHER. */
export const RESOURCE_KIND_BY_TYPE: Readonly<Record<string, ResourceKind>> = { database: "DATABASE", cache: "CACHE", queue: "QUEUE" };

export type CatalogRead = { ok: true; assertion: SourceAssertion } | { ok: false; problems: SourceProblem[] };

const READ_KINDS = new Set(["component", "resource", "api", "location"]);

interface Entity {
  doc: CatalogDocument;
  ref: EntityRef;
  display: string;
  key: string;
  metadata: Record<string, unknown>;
  raw: Record<string, unknown>;
}

interface EdgeCandidate {
  from: Entity;
  to: Entity;
  /** Declared by dependsOn/dependencyOf (as opposed to only through APIs). */
  declared: boolean;
  apiKinds: Set<DependencyKind>;
  origin: string;
}

/**
 * The catalog's documents (every file, every YAML document, in reading order)
 * as what the CATALOG source asserts, or every problem found.
 * `origin` names the catalog (the configured paths); it is the assertion's
 * origin and the place of problems that belong to no one file. `readProblems`
 * are those met reading the files (syntax, Locations): listed with the rest.
 */
export function assertionFromCatalog(documents: readonly CatalogDocument[], origin: string, readProblems: readonly SourceProblem[] = []): CatalogRead {
  const problems: SourceProblem[] = [...readProblems];
  const report = (doc: CatalogDocument, path: CatalogPath, entity: string | null, message: string) =>
    problems.push({ file: doc.file, line: lineIn(doc, path), entity, message });
  const where = (e: Entity, path: CatalogPath = []) => `${e.doc.file}:${lineIn(e.doc, path) ?? "?"}`;
  const originOf = (e: Entity, path: CatalogPath) => `${where(e, path)} ${e.display}`;

  // 1. The envelope of every entity, and one entity per kind, namespace and name.
  const entities: Entity[] = [];
  const byKey = new Map<string, Entity>();
  for (const doc of documents) {
    if (doc.value === null || doc.value === undefined) continue;
    const entity = readEnvelope(doc, report);
    if (!entity) continue;
    const first = byKey.get(entity.key);
    if (first) {
      report(doc, ["metadata", "name"], entity.display, `${entity.display} is already declared at ${where(first)}`);
      continue;
    }
    byKey.set(entity.key, entity);
    entities.push(entity);
  }
  const ofKind = (kind: string) => entities.filter((e) => e.ref.kind === kind);
  const components = ofKind("component");
  const resources = ofKind("resource");
  const apis = ofKind("api");

  // Interlock's service and group names are global; Backstage's are per namespace.
  for (const list of [components, resources]) {
    const seen = new Map<string, Entity>();
    for (const e of list) {
      const first = seen.get(e.ref.name.toLowerCase());
      if (first) {
        const what = e.ref.kind === "component" ? "service" : "resource group";
        report(e.doc, ["metadata", "name"], e.display, `${what} name "${e.ref.name}" is also used by ${first.display} at ${where(first)}; Interlock ${what} names are not namespaced, so rename one`);
      } else seen.set(e.ref.name.toLowerCase(), e);
    }
  }

  // Owners are checked when the catalog carries the organisation (any Group or
  // User); otherwise the org comes from elsewhere and owners are taken as written.
  const orgInCatalog = entities.some((e) => e.ref.kind === "group" || e.ref.kind === "user");

  /** The entities a list of references names, each checked: form, allowed kinds, present in the catalog. */
  const refList = (e: Entity, field: string, defaultKind: string | undefined, allowed: readonly string[]): { target: Entity; path: CatalogPath }[] => {
    const spec = e.raw.spec as Record<string, unknown>;
    const value = spec[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      report(e.doc, ["spec", field], e.display, `spec.${field} must be a list of entity references`);
      return [];
    }
    const found: { target: Entity; path: CatalogPath }[] = [];
    value.forEach((item: unknown, i) => {
      const path = ["spec", field, i];
      if (typeof item !== "string") return report(e.doc, path, e.display, `spec.${field}[${i}] must be an entity reference (a string)`);
      const parsed = parseEntityRef(item, { kind: defaultKind, namespace: e.ref.namespace });
      if (!parsed.ok) return report(e.doc, path, e.display, `spec.${field}[${i}] ${parsed.problem}`);
      if (!allowed.includes(parsed.ref.kind)) {
        return report(e.doc, path, e.display, `spec.${field}[${i}] names a ${parsed.ref.kind}; spec.${field} takes ${allowed.map((k) => `${k}:`).join(" or ")} references`);
      }
      const target = byKey.get(entityKey(parsed.ref));
      if (!target) return report(e.doc, path, e.display, `spec.${field}[${i}] names ${formatEntityRef(parsed.ref)}, which is not in the catalog`);
      found.push({ target, path });
    });
    return found;
  };

  // 2. Components → services.
  const services = new Map<Entity, ServiceSpec & { origin: string }>();
  for (const e of components) {
    const spec = e.raw.spec;
    if (!isRecord(spec)) {
      report(e.doc, ["spec"], e.display, "a Component needs a spec (with spec.owner)");
      continue;
    }
    const team = readOwner(e, spec, orgInCatalog, byKey, report);
    const annotations = readAnnotations(e, report);
    const description = readDescription(e, report);
    let tier = CATALOG_DEFAULTS.tier;
    let criticality = CATALOG_DEFAULTS.criticality;
    const tierText = annotations?.[CATALOG_ANNOTATIONS.tier];
    if (tierText !== undefined) {
      const value = typeof tierText === "string" && /^\s*[1-9][0-9]{0,8}\s*$/.test(tierText) ? Number(tierText) : null;
      if (value === null) {
        report(e.doc, ["metadata", "annotations", CATALOG_ANNOTATIONS.tier], e.display, `annotation ${CATALOG_ANNOTATIONS.tier} must be a whole number ≥ 1 written as a string (e.g. "2"), got ${JSON.stringify(tierText)}`);
      } else tier = value;
    }
    const criticalityText = annotations?.[CATALOG_ANNOTATIONS.criticality];
    if (criticalityText !== undefined) {
      const value = typeof criticalityText === "string" ? criticalityText.trim().toUpperCase() : null;
      if (value === null || !(CRITICALITIES as readonly string[]).includes(value)) {
        report(e.doc, ["metadata", "annotations", CATALOG_ANNOTATIONS.criticality], e.display, `annotation ${CATALOG_ANNOTATIONS.criticality} must be one of ${CRITICALITIES.join(", ")}, got ${JSON.stringify(criticalityText)}`);
      } else criticality = value as Criticality;
    }
    if (team !== null && description !== null) {
      services.set(e, { name: e.ref.name, tier, criticality, team, description, origin: originOf(e, []) });
    }
  }

  // 3. Resources → resource groups.
  const groups = new Map<Entity, { kind: ResourceKind; description: string; members: Set<string>; origin: string }>();
  for (const e of resources) {
    const spec = e.raw.spec;
    if (!isRecord(spec)) {
      report(e.doc, ["spec"], e.display, "a Resource needs a spec (with spec.type)");
      continue;
    }
    const description = readDescription(e, report);
    if (typeof spec.type !== "string" || spec.type.trim() === "") {
      report(e.doc, ["spec", "type"], e.display, "spec.type is required (a string, e.g. database)");
      continue;
    }
    if (description === null) continue;
    groups.set(e, { kind: RESOURCE_KIND_BY_TYPE[spec.type.trim().toLowerCase()] ?? "OTHER", description, members: new Set(), origin: originOf(e, []) });
  }

  // APIs: only their type matters (an asyncapi API is consumed by events).
  const asyncApi = new Map<Entity, boolean>();
  for (const e of apis) {
    const spec = e.raw.spec;
    if (!isRecord(spec) || typeof spec.type !== "string" || spec.type.trim() === "") {
      report(e.doc, isRecord(spec) ? ["spec", "type"] : ["spec"], e.display, "an API needs spec.type (a string, e.g. openapi or asyncapi)");
      continue;
    }
    asyncApi.set(e, spec.type.trim().toLowerCase() === "asyncapi");
  }

  // 4. Relations → edges and memberships.
  const edges = new Map<string, EdgeCandidate>();
  const addEdge = (from: Entity, to: Entity, origin: string, apiKind: DependencyKind | null) => {
    const key = `${from.key}\u0000${to.key}`;
    let edge = edges.get(key);
    if (!edge) edges.set(key, (edge = { from, to, declared: false, apiKinds: new Set(), origin }));
    if (apiKind === null) edge.declared = true;
    else edge.apiKinds.add(apiKind);
  };
  const addMember = (group: Entity, member: Entity) => groups.get(group)?.members.add(member.ref.name);
  const selfEdge = (e: Entity, path: CatalogPath, field: string) => report(e.doc, path, e.display, `spec.${field}[${String(path[2])}] names ${e.display} itself: a service cannot depend on itself`);
  const providers = new Map<Entity, Entity[]>();
  const consumers = new Map<Entity, { consumer: Entity; path: CatalogPath }[]>();
  for (const e of components) {
    if (!isRecord(e.raw.spec)) continue;
    for (const { target, path } of refList(e, "dependsOn", undefined, ["component", "resource"])) {
      if (target === e) selfEdge(e, path, "dependsOn");
      else if (target.ref.kind === "component") addEdge(e, target, originOf(e, path), null);
      else addMember(target, e);
    }
    for (const { target, path } of refList(e, "dependencyOf", undefined, ["component", "resource"])) {
      if (target === e) selfEdge(e, path, "dependencyOf");
      else if (target.ref.kind === "component") addEdge(target, e, originOf(e, path), null);
      // A resource that depends on a component is no resource group fact: checked, not mapped.
    }
    for (const { target } of refList(e, "providesApis", "api", ["api"])) providers.set(target, [...(providers.get(target) ?? []), e]);
    for (const { target, path } of refList(e, "consumesApis", "api", ["api"])) consumers.set(target, [...(consumers.get(target) ?? []), { consumer: e, path }]);
  }
  for (const e of resources) {
    if (!isRecord(e.raw.spec)) continue;
    // What a resource depends on has no place in Interlock's graph; its references are still checked.
    refList(e, "dependsOn", undefined, ["component", "resource"]);
    for (const { target } of refList(e, "dependencyOf", undefined, ["component", "resource"])) {
      if (target.ref.kind === "component") addMember(e, target);
    }
  }
  for (const [api, list] of consumers) {
    const kind: DependencyKind = asyncApi.get(api) ? "ASYNC_EVENT" : "SYNC_API";
    for (const { consumer, path } of list) {
      for (const provider of providers.get(api) ?? []) {
        // A component that consumes its own API calls itself: not an edge.
        if (provider !== consumer) addEdge(consumer, provider, originOf(consumer, path), kind);
      }
    }
  }

  // 5. Edge kinds: SYNC_API unless the depending component's annotation says otherwise;
  //    an edge that only exists through asyncapi APIs is ASYNC_EVENT.
  const overrides = new Map<string, DependencyKind>();
  for (const e of components) {
    const annotations = isRecord(e.metadata.annotations) ? e.metadata.annotations : null;
    const text = annotations?.[CATALOG_ANNOTATIONS.dependencyKinds];
    if (text === undefined) continue;
    const path = ["metadata", "annotations", CATALOG_ANNOTATIONS.dependencyKinds];
    if (typeof text !== "string") {
      report(e.doc, path, e.display, `annotation ${CATALOG_ANNOTATIONS.dependencyKinds} must be a string like "ledger=DATA, notifications=ASYNC_EVENT"`);
      continue;
    }
    const seen = new Set<string>();
    for (const entry of text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== "")) {
      const at = entry.lastIndexOf("=");
      const refText = at > 0 ? entry.slice(0, at).trim() : "";
      const kindText = at > 0 ? entry.slice(at + 1).trim().toUpperCase() : "";
      const prefix = `annotation ${CATALOG_ANNOTATIONS.dependencyKinds}: "${entry}"`;
      if (at <= 0) {
        report(e.doc, path, e.display, `${prefix} must be <component>=<kind>`);
        continue;
      }
      if (!(DEPENDENCY_KINDS as readonly string[]).includes(kindText)) {
        report(e.doc, path, e.display, `${prefix}: the kind must be one of ${DEPENDENCY_KINDS.join(", ")}`);
        continue;
      }
      const parsed = parseEntityRef(refText, { kind: "component", namespace: e.ref.namespace });
      if (!parsed.ok || parsed.ref.kind !== "component") {
        report(e.doc, path, e.display, `${prefix}: ${parsed.ok ? "must name a component" : parsed.problem}`);
        continue;
      }
      const target = byKey.get(entityKey(parsed.ref));
      const key = `${e.key}\u0000${entityKey(parsed.ref)}`;
      if (!target || !edges.has(key)) {
        report(e.doc, path, e.display, `${prefix}: ${e.display} has no dependency on ${formatEntityRef(parsed.ref)}`);
        continue;
      }
      if (seen.has(key)) {
        report(e.doc, path, e.display, `${prefix}: ${formatEntityRef(parsed.ref)} is listed twice`);
        continue;
      }
      seen.add(key);
      overrides.set(key, kindText as DependencyKind);
    }
  }

  if (components.length === 0 && problems.length === 0) {
    // Asserting an empty estate would propose removing every service the catalog once declared.
    problems.push({ file: origin, line: null, entity: null, message: "the catalog has no Component entities; refusing to assert an empty graph (check GRAPH_CATALOG_PATHS)" });
  }
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };

  const dependencies = [...edges.entries()].map(([key, edge]) => ({
    from: edge.from.ref.name,
    to: edge.to.ref.name,
    kind: overrides.get(key) ?? (!edge.declared && [...edge.apiKinds].every((k) => k === "ASYNC_EVENT") ? "ASYNC_EVENT" : "SYNC_API"),
    origin: edge.origin,
  }));
  const resourceGroups = [...groups.entries()].map(([e, g]) => ({
    name: e.ref.name,
    kind: g.kind,
    description: g.description,
    members: [...g.members].sort(byString),
    origin: g.origin,
  }));
  return {
    ok: true,
    assertion: {
      source: "CATALOG",
      origin,
      services: [...services.values()].sort((a, b) => byString(a.name, b.name)),
      dependencies: dependencies.sort((a, b) => byString(a.from, b.from) || byString(a.to, b.to)),
      resourceGroups: resourceGroups.sort((a, b) => byString(a.name, b.name)),
    },
  };
}

type Report = (doc: CatalogDocument, path: CatalogPath, entity: string | null, message: string) => void;

function readEnvelope(doc: CatalogDocument, report: Report): Entity | null {
  const value = doc.value;
  if (!isRecord(value)) {
    report(doc, [], null, "a catalog entity must be a mapping with apiVersion, kind, metadata and spec");
    return null;
  }
  const { apiVersion, kind, metadata } = value;
  let ok = true;
  if (typeof kind !== "string" || kind.trim() === "") {
    report(doc, ["kind"], null, "kind is required (e.g. Component)");
    ok = false;
  }
  if (!isRecord(metadata)) {
    report(doc, ["metadata"], null, "metadata is required (with metadata.name)");
    return null;
  }
  const { name, namespace = DEFAULT_NAMESPACE } = metadata;
  if (typeof name !== "string") {
    report(doc, ["metadata", "name"], null, metadata.name === undefined ? "metadata.name is required" : "metadata.name must be a string");
    ok = false;
  } else if (!isEntityName(name)) {
    report(doc, ["metadata", "name"], null, `metadata.name "${name}" is not a valid entity name (1–63 letters or digits, separated by - _ .)`);
    ok = false;
  }
  if (typeof namespace !== "string" || !isEntityNamespace(namespace)) {
    report(doc, ["metadata", "namespace"], null, `metadata.namespace ${JSON.stringify(namespace)} is not a valid namespace (letters or digits, separated by -)`);
    ok = false;
  }
  if (!ok) return null;
  const ref: EntityRef = { kind: (kind as string).trim().toLowerCase(), namespace: namespace as string, name: name as string };
  const display = formatEntityRef(ref);
  if (typeof apiVersion !== "string" || apiVersion.trim() === "") {
    report(doc, ["apiVersion"], display, "apiVersion is required (e.g. backstage.io/v1alpha1)");
  } else if (READ_KINDS.has(ref.kind) && !(CATALOG_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    report(doc, ["apiVersion"], display, `apiVersion "${apiVersion}" is not one Interlock reads for a ${kind} (${CATALOG_API_VERSIONS.join(" or ")})`);
  }
  return { doc, ref, display, key: entityKey(ref), metadata, raw: value };
}

/** The owner's name is the service's team. */
function readOwner(e: Entity, spec: Record<string, unknown>, orgInCatalog: boolean, byKey: Map<string, Entity>, report: Report): string | null {
  const path = ["spec", "owner"];
  if (typeof spec.owner !== "string") {
    report(e.doc, path, e.display, spec.owner === undefined ? "spec.owner is required (the owning team)" : "spec.owner must be an entity reference (a string)");
    return null;
  }
  const parsed = parseEntityRef(spec.owner, { kind: "group", namespace: e.ref.namespace });
  if (!parsed.ok) {
    report(e.doc, path, e.display, `spec.owner ${parsed.problem}`);
    return null;
  }
  if (parsed.ref.kind !== "group" && parsed.ref.kind !== "user") {
    report(e.doc, path, e.display, `spec.owner names a ${parsed.ref.kind}; an owner is a group: or user:`);
    return null;
  }
  if (orgInCatalog && !byKey.has(entityKey(parsed.ref))) {
    report(e.doc, path, e.display, `spec.owner names ${formatEntityRef(parsed.ref)}, which is not in the catalog (the catalog declares groups or users, so owners must be among them)`);
    return null;
  }
  return parsed.ref.name;
}

function readAnnotations(e: Entity, report: Report): Record<string, unknown> | null {
  const annotations = e.metadata.annotations;
  if (annotations === undefined || annotations === null) return null;
  if (!isRecord(annotations)) {
    report(e.doc, ["metadata", "annotations"], e.display, "metadata.annotations must be a mapping of strings");
    return null;
  }
  return annotations;
}

function readDescription(e: Entity, report: Report): string | null {
  const description = e.metadata.description;
  if (description === undefined || description === null) return "";
  if (typeof description !== "string") {
    report(e.doc, ["metadata", "description"], e.display, "metadata.description must be a string");
    return null;
  }
  return description.trim();
}

function sortProblems(problems: SourceProblem[]): SourceProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => byString(a.p.file, b.p.file) || (a.p.line ?? 0) - (b.p.line ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
