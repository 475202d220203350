import { describe, expect, it } from "vitest";
import type { SourceAssertion, SourceProblem } from "../../graph/live-graph-types";
import { assertionFromCatalog, CATALOG_DEFAULTS } from "./assertion-from-catalog";
import type { CatalogDocument } from "./catalog-document";
import { parseEntityRef } from "./entity-ref";
import { locationTargets } from "./location-targets";

// The mapping rules of docs/graph-catalog.md, on entities given as data (the
// adapter's tests cover files, lines and Locations).

let line = 0;
function doc(value: unknown, file = "catalog.yaml"): CatalogDocument {
  line += 10;
  return { file, line, value };
}
function component(name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  return doc({ apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name, ...metadata }, spec: { type: "service", lifecycle: "production", owner: "team-a", ...spec } });
}
function resource(name: string, type: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  return doc({ apiVersion: "backstage.io/v1alpha1", kind: "Resource", metadata: { name, ...metadata }, spec: { type, owner: "team-a", ...spec } });
}
function api(name: string, type: string, metadata: Record<string, unknown> = {}) {
  return doc({ apiVersion: "backstage.io/v1alpha1", kind: "API", metadata: { name, ...metadata }, spec: { type, lifecycle: "production", owner: "team-a", definition: "x" } });
}
function group(name: string) {
  return doc({ apiVersion: "backstage.io/v1alpha1", kind: "Group", metadata: { name }, spec: { type: "team", children: [] } });
}

function assertionOf(docs: CatalogDocument[]): SourceAssertion {
  const result = assertionFromCatalog(docs, "test-catalog");
  if (!result.ok) throw new Error(`expected an assertion, got problems:\n${result.problems.map((p) => `${p.file}:${p.line} ${p.entity} ${p.message}`).join("\n")}`);
  return result.assertion;
}
function problemsOf(docs: CatalogDocument[]): SourceProblem[] {
  const result = assertionFromCatalog(docs, "test-catalog");
  if (result.ok) throw new Error("expected problems");
  return result.problems;
}
const edges = (a: SourceAssertion) => a.dependencies.map((d) => `${d.from}->${d.to} ${d.kind}`);

describe("catalog → assertion", () => {
  it("Components become services: name, team from the owner reference, tier and criticality from annotations, description", () => {
    const a = assertionOf([
      component("checkout", { owner: "group:payments" }, { description: "  Checkout pages ", annotations: { "interlock.dev/tier": "2", "interlock.dev/criticality": "high" } }),
      component("ledger", { owner: "user:ops/jdoe" }, { namespace: "ops" }),
      component("search", { owner: "default/search-team" }),
    ]);
    expect(a.source).toBe("CATALOG");
    expect(a.origin).toBe("test-catalog");
    expect(a.services.map(({ origin: _, ...s }) => s)).toEqual([
      { name: "checkout", tier: 2, criticality: "HIGH", team: "payments", description: "Checkout pages" },
      { name: "ledger", tier: CATALOG_DEFAULTS.tier, criticality: CATALOG_DEFAULTS.criticality, team: "jdoe", description: "" },
      { name: "search", tier: 1, criticality: "CRITICAL", team: "search-team", description: "" },
    ]);
    expect(a.services[0]!.origin).toMatch(/^catalog\.yaml:\d+ component:default\/checkout$/);
  });

  it("defaults: a Component without annotations is tier 1 and CRITICAL", () => {
    expect(CATALOG_DEFAULTS).toEqual({ tier: 1, criticality: "CRITICAL" });
    expect(assertionOf([component("x")]).services[0]).toMatchObject({ tier: 1, criticality: "CRITICAL" });
  });

  it("dependsOn/dependencyOf between components are edges; to resources they are memberships; Resources are groups by spec.type", () => {
    const a = assertionOf([
      component("a", { dependsOn: ["component:b", "resource:db", "component:B"] }),
      component("b", { dependencyOf: ["component:c", "resource:db"] }),
      component("c", { dependsOn: ["resource:default/cache"] }),
      resource("db", "database", { dependsOn: ["component:c"] }, { description: "Main DB" }),
      resource("cache", "Cache", { dependencyOf: ["component:a", "resource:db"] }),
      resource("events", "queue"),
      resource("bucket", "s3-bucket", { dependencyOf: ["component:b"] }),
    ]);
    expect(edges(a)).toEqual(["a->b SYNC_API", "c->b SYNC_API"]);
    expect(a.resourceGroups.map(({ origin: _, ...g }) => g)).toEqual([
      { name: "bucket", kind: "OTHER", description: "", members: ["b"] },
      { name: "cache", kind: "CACHE", description: "", members: ["a", "c"] },
      { name: "db", kind: "DATABASE", description: "Main DB", members: ["a"] },
      { name: "events", kind: "QUEUE", description: "", members: [] },
    ]);
  });

  it("API relations: A consumesApis X and B providesApis X give A → B; asyncapi-only edges are ASYNC_EVENT; no provider, no edge", () => {
    const a = assertionOf([
      component("web", { consumesApis: ["orders-api", "api:default/search-api", "external-api"], dependsOn: ["component:search"] }),
      component("orders", { providesApis: ["orders-api"], consumesApis: ["order-events"] }),
      component("shipping", { providesApis: ["order-events"], consumesApis: ["order-events"] }),
      component("search", { providesApis: ["search-api", "search-events"] }),
      component("mailer", { consumesApis: ["order-events", "search-events"] }),
      api("orders-api", "openapi"),
      api("search-api", "graphql"),
      api("order-events", "asyncapi"),
      api("search-events", "AsyncAPI"),
      api("external-api", "openapi"),
    ]);
    expect(edges(a)).toEqual([
      "mailer->search ASYNC_EVENT",
      "mailer->shipping ASYNC_EVENT",
      "orders->shipping ASYNC_EVENT",
      // web → search is declared by dependsOn and through a graphql API: SYNC_API.
      "web->orders SYNC_API",
      "web->search SYNC_API",
    ]);
  });

  it("the interlock.dev/dependency-kinds annotation sets the kind of the component's own edges, whatever declared them", () => {
    const a = assertionOf([
      component("a", { dependsOn: ["component:b", "component:c"], consumesApis: ["events"] }, { annotations: { "interlock.dev/dependency-kinds": "b=DATA, component:default/c = async_event,\n d=SYNC_API" } }),
      component("b"),
      component("c"),
      component("d", { providesApis: ["events"] }),
      api("events", "asyncapi"),
    ]);
    expect(edges(a)).toEqual(["a->b DATA", "a->c ASYNC_EVENT", "a->d SYNC_API"]);
  });

  it("owners are checked against the catalog when it declares groups or users, and taken as written when it does not", () => {
    expect(assertionOf([component("a", { owner: "nobody-we-know" })]).services[0]!.team).toBe("nobody-we-know");
    expect(assertionOf([group("team-a"), component("a")]).services[0]!.team).toBe("team-a");
    const problems = problemsOf([group("team-a"), component("a", { owner: "team-b" })]);
    expect(problems).toEqual([expect.objectContaining({ entity: "component:default/a", message: expect.stringContaining("spec.owner names group:default/team-b, which is not in the catalog") })]);
  });

  it("references match case-insensitively and keep the names as the entities write them", () => {
    const a = assertionOf([component("Checkout", { dependsOn: ["Component:checkout-API"] }), component("checkout-api")]);
    expect(edges(a)).toEqual(["Checkout->checkout-api SYNC_API"]);
  });

  it("refuses: unknown references, references without or with the wrong kind, self-dependencies, each named with its entity", () => {
    const problems = problemsOf([
      component("a", { dependsOn: ["component:ghost", "b", "api:x", "component:a", 7], consumesApis: ["nope"], dependencyOf: "component:b" }),
      component("b", { providesApis: ["component:a"] }),
      api("x", "openapi"),
    ]);
    expect(problems.map((p) => `${p.entity} ${p.message}`)).toEqual([
      "component:default/a spec.dependsOn[0] names component:default/ghost, which is not in the catalog",
      'component:default/a spec.dependsOn[1] "b" needs a kind here, e.g. "component:b" or "resource:b"',
      "component:default/a spec.dependsOn[2] names a api; spec.dependsOn takes component: or resource: references",
      "component:default/a spec.dependsOn[4] must be an entity reference (a string)",
      "component:default/a spec.dependsOn[3] names component:default/a itself: a service cannot depend on itself",
      "component:default/a spec.dependencyOf must be a list of entity references",
      "component:default/a spec.consumesApis[0] names api:default/nope, which is not in the catalog",
      "component:default/b spec.providesApis[0] names a component; spec.providesApis takes api: references",
    ]);
    expect(problems.every((p) => p.file === "catalog.yaml" && typeof p.line === "number")).toBe(true);
  });

  it("refuses: duplicate entities, and the same service or group name in two namespaces", () => {
    const problems = problemsOf([
      component("a"),
      component("A", {}, {}),
      component("b", {}, { namespace: "x" }),
      component("b", {}, { namespace: "y" }),
      resource("db", "database"),
      resource("db", "database", {}, { namespace: "other" }),
      api("shared", "openapi"),
      api("shared", "openapi", { namespace: "elsewhere" }),
    ]);
    expect(problems.map((p) => `${p.entity} ${p.message.replace(/catalog\.yaml:\d+/, "FILE:LINE")}`)).toEqual([
      "component:default/A component:default/A is already declared at FILE:LINE",
      'component:y/b service name "b" is also used by component:x/b at FILE:LINE; Interlock service names are not namespaced, so rename one',
      'resource:other/db resource group name "db" is also used by resource:default/db at FILE:LINE; Interlock resource group names are not namespaced, so rename one',
    ]);
  });

  it("refuses: missing or wrong envelope and required fields", () => {
    const problems = problemsOf([
      doc(["not", "a", "mapping"]),
      doc({ apiVersion: "backstage.io/v1alpha1", kind: "Component", spec: {} }),
      doc({ apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { description: "no name" }, spec: { owner: "x" } }),
      doc({ apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name: "bad name!" }, spec: { owner: "x" } }),
      doc({ apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name: "ok", namespace: "a/b" }, spec: { owner: "x" } }),
      doc({ kind: "Component", metadata: { name: "no-version" }, spec: { owner: "x" } }),
      doc({ apiVersion: "example.com/v1", kind: "Component", metadata: { name: "other-version" }, spec: { owner: "x" } }),
      doc({ apiVersion: "backstage.io/v1alpha1", metadata: { name: "no-kind" } }),
      doc({ apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name: "no-spec" } }),
      doc({ apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name: "no-owner" }, spec: { type: "service" } }),
      doc({ apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name: "api-owner" }, spec: { owner: "api:x" } }),
      doc({ apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: { name: "bad-description", description: 5 }, spec: { owner: "x" } }),
      doc({ apiVersion: "backstage.io/v1alpha1", kind: "Resource", metadata: { name: "no-type" }, spec: { owner: "x" } }),
      doc({ apiVersion: "backstage.io/v1alpha1", kind: "API", metadata: { name: "no-api-type" }, spec: { owner: "x" } }),
    ]);
    expect(problems.map((p) => `${p.entity} ${p.message}`)).toEqual([
      "null a catalog entity must be a mapping with apiVersion, kind, metadata and spec",
      "null metadata is required (with metadata.name)",
      "null metadata.name is required",
      'null metadata.name "bad name!" is not a valid entity name (1–63 letters or digits, separated by - _ .)',
      'null metadata.namespace "a/b" is not a valid namespace (letters or digits, separated by -)',
      "component:default/no-version apiVersion is required (e.g. backstage.io/v1alpha1)",
      'component:default/other-version apiVersion "example.com/v1" is not one Interlock reads for a Component (backstage.io/v1alpha1 or backstage.io/v1beta1)',
      "null kind is required (e.g. Component)",
      "component:default/no-spec a Component needs a spec (with spec.owner)",
      "component:default/no-owner spec.owner is required (the owning team)",
      "component:default/api-owner spec.owner names a api; an owner is a group: or user:",
      "component:default/bad-description metadata.description must be a string",
      "resource:default/no-type spec.type is required (a string, e.g. database)",
      "api:default/no-api-type an API needs spec.type (a string, e.g. openapi or asyncapi)",
    ]);
  });

  it("refuses: bad interlock.dev annotations", () => {
    const problems = problemsOf([
      component("a", {}, { annotations: { "interlock.dev/tier": 2 } }),
      component("b", {}, { annotations: { "interlock.dev/tier": "0" } }),
      component("c", {}, { annotations: { "interlock.dev/criticality": "urgent" } }),
      component("d", { dependsOn: ["component:a"] }, { annotations: { "interlock.dev/dependency-kinds": "a=TELEPATHY, b=DATA, nonsense, a=DATA, a=DATA" } }),
      component("e", {}, { annotations: "tier=1" }),
    ]);
    expect(problems.map((p) => `${p.entity} ${p.message}`)).toEqual([
      'component:default/a annotation interlock.dev/tier must be a whole number ≥ 1 written as a string (e.g. "2"), got 2',
      'component:default/b annotation interlock.dev/tier must be a whole number ≥ 1 written as a string (e.g. "2"), got "0"',
      'component:default/c annotation interlock.dev/criticality must be one of CRITICAL, HIGH, MEDIUM, LOW, got "urgent"',
      'component:default/d annotation interlock.dev/dependency-kinds: "a=TELEPATHY": the kind must be one of SYNC_API, ASYNC_EVENT, DATA',
      'component:default/d annotation interlock.dev/dependency-kinds: "b=DATA": component:default/d has no dependency on component:default/b',
      'component:default/d annotation interlock.dev/dependency-kinds: "nonsense" must be <component>=<kind>',
      'component:default/d annotation interlock.dev/dependency-kinds: "a=DATA": component:default/a is listed twice',
      "component:default/e metadata.annotations must be a mapping of strings",
    ]);
  });

  it("refuses an empty catalog: asserting no services would propose removing them all", () => {
    expect(problemsOf([group("team-a"), doc(null)])).toEqual([
      { file: "test-catalog", line: null, entity: null, message: expect.stringContaining("the catalog has no Component entities") },
    ]);
  });

  it("any problem means no assertion, and every problem is listed", () => {
    const result = assertionFromCatalog([component("a", { dependsOn: ["component:x"] }), component("b", { dependsOn: ["component:y"] }), component("c")], "t");
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((p) => p.entity)).toEqual(["component:default/a", "component:default/b"]);
  });
});

describe("entity references and Location targets", () => {
  it("parses [kind:][namespace/]name with the field's defaults", () => {
    expect(parseEntityRef("checkout", { kind: "group", namespace: "ns" })).toEqual({ ok: true, ref: { kind: "group", namespace: "ns", name: "checkout" } });
    expect(parseEntityRef("Component:other/Checkout", { namespace: "ns" })).toEqual({ ok: true, ref: { kind: "component", namespace: "other", name: "Checkout" } });
    expect(parseEntityRef("a/b/c", { kind: "api", namespace: "ns" })).toMatchObject({ ok: false });
    expect(parseEntityRef("x", { namespace: "ns" })).toMatchObject({ ok: false, problem: expect.stringContaining("needs a kind") });
  });

  it("follows file targets only", () => {
    const spec = (s: unknown) => locationTargets({ kind: "Location", spec: s });
    expect(spec({ target: "./a.yaml", targets: ["b.yaml"], presence: "optional" })).toEqual({
      targets: [{ target: "./a.yaml", path: ["spec", "target"] }, { target: "b.yaml", path: ["spec", "targets", 0] }],
      optional: true,
      problems: [],
    });
    expect(spec({ type: "url", targets: ["https://github.com/o/r/blob/main/catalog-info.yaml", "./teams/*.yaml", 3] }).problems.map((p) => p.message)).toEqual([
      'spec.type is "url": Interlock follows file targets only',
      "each target must be a string",
      expect.stringContaining("is a URL"),
      expect.stringContaining("is a pattern"),
    ]);
    expect(spec({}).problems.map((p) => p.message)).toEqual(["a Location needs spec.target or spec.targets"]);
  });
});
