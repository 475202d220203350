import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SourceAssertion, SourceProblem } from "../../core/graph/live-graph-types";
import type { DependencyKind, ResourceKind } from "../../core/topology/types";
import { CatalogSource } from "./read-catalog";

// The catalog on disk: a generated estate (the expectation is computed from
// the generator's own choices, never from the reader), problems located by
// file and line, Location entities, and the example under docs/examples/backstage.

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-catalog-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(file: string, text: string): string {
  const abs = path.join(tmp, file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, text);
  return abs;
}

async function assertionOf(source: CatalogSource): Promise<SourceAssertion> {
  const result = await source.read();
  if ("problems" in result) throw new Error(`expected an assertion, got:\n${result.problems.map((p) => `${p.file}:${p.line} ${p.entity} ${p.message}`).join("\n")}`);
  return result.assertion;
}
async function problemsOf(source: CatalogSource): Promise<SourceProblem[]> {
  const result = await source.read();
  if ("assertion" in result) throw new Error("expected problems, got an assertion");
  return result.problems;
}
const withoutOrigins = (a: SourceAssertion) => ({
  services: a.services.map(({ origin: _, ...s }) => s),
  dependencies: a.dependencies.map(({ origin: _, ...d }) => d),
  resourceGroups: a.resourceGroups.map(({ origin: _, ...g }) => g),
});

// ---------------------------------------------------------------- generator

function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface GenComponent { name: string; namespace: string; team: string; tier: number | null; criticality: string | null; description: string }
interface GenEdge { from: number; to: number; kind: DependencyKind; how: "dependsOn" | "dependencyOf" | "annotated" | "api" }
interface GenResource { name: string; namespace: string; type: string; kind: ResourceKind; description: string }
interface GenMembership { component: number; resource: number; how: "dependsOn" | "dependencyOf" }

/** A random estate as the generator decides it: what each entity is and how each relation is written. */
function generateEstate(seed: number) {
  const rand = prng(seed);
  const pick = <T,>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  const teams = ["payments", "identity", "search", "platform", "data", "growth"];
  const components: GenComponent[] = Array.from({ length: 50 }, (_, i) => ({
    name: `svc-${String(i).padStart(2, "0")}`,
    namespace: i % 7 === 3 ? "edge" : "default",
    team: pick(teams),
    tier: rand() < 0.6 ? 1 + Math.floor(rand() * 4) : null,
    criticality: rand() < 0.6 ? pick(["CRITICAL", "HIGH", "MEDIUM", "LOW", "low", "High"]) : null,
    description: rand() < 0.5 ? `Service number ${i}` : "",
  }));
  // Every fifth component provides one API; every tenth one's is asyncapi.
  const apiOf = (i: number) => (i % 5 === 0 ? { name: `api-${i}`, async: i % 10 === 0 } : null);
  const edges: GenEdge[] = [];
  const taken = new Set<string>();
  while (edges.length < 120) {
    const from = Math.floor(rand() * 50);
    const to = Math.floor(rand() * 50);
    if (from === to || taken.has(`${from}>${to}`)) continue;
    taken.add(`${from}>${to}`);
    const api = apiOf(to);
    const how = pick(api ? (["dependsOn", "dependencyOf", "annotated", "api", "api"] as const) : (["dependsOn", "dependencyOf", "annotated"] as const));
    const kind: DependencyKind = how === "annotated" ? pick(["SYNC_API", "ASYNC_EVENT", "DATA"] as const) : how === "api" ? (api!.async ? "ASYNC_EVENT" : "SYNC_API") : "SYNC_API";
    edges.push({ from, to, kind, how });
  }
  const resources: GenResource[] = [
    { name: "orders-db", namespace: "default", type: "database", kind: "DATABASE", description: "Orders" },
    { name: "session-cache", namespace: "default", type: "cache", kind: "CACHE", description: "" },
    { name: "events-queue", namespace: "default", type: "queue", kind: "QUEUE", description: "Kafka" },
    { name: "assets-bucket", namespace: "default", type: "s3-bucket", kind: "OTHER", description: "" },
    { name: "edge-db", namespace: "edge", type: "Database", kind: "DATABASE", description: "" },
    { name: "k8s-main", namespace: "default", type: "kubernetes-cluster", kind: "OTHER", description: "" },
  ];
  const memberships: GenMembership[] = [];
  components.forEach((_, c) => {
    const count = Math.floor(rand() * 3);
    const chosen = new Set<number>();
    for (let k = 0; k < count; k++) chosen.add(Math.floor(rand() * resources.length));
    for (const resource of chosen) memberships.push({ component: c, resource, how: rand() < 0.5 ? "dependsOn" : "dependencyOf" });
  });
  return { teams, components, edges, resources, memberships, apiOf };
}

type Estate = ReturnType<typeof generateEstate>;

/** The estate as catalog files: one file per team, one for APIs, one for resources, one for the org. Returns the line each component starts at. */
function writeEstate(dir: string, estate: Estate): Map<string, { file: string; line: number }> {
  const { components, edges, resources, memberships, apiOf, teams } = estate;
  const ref = (kind: string, target: { namespace: string; name: string }, fromNamespace: string) =>
    target.namespace === fromNamespace ? `${kind}:${target.name}` : `${kind}:${target.namespace}/${target.name}`;
  const docsByFile = new Map<string, { text: string; component?: GenComponent }[]>();
  const add = (file: string, text: string, component?: GenComponent) => docsByFile.set(file, [...(docsByFile.get(file) ?? []), { text, component }]);
  const yamlList = (key: string, items: string[]) => (items.length ? `  ${key}:\n${items.map((i) => `    - ${JSON.stringify(i)}`).join("\n")}\n` : "");

  components.forEach((c, i) => {
    const dependsOn = [
      ...edges.filter((e) => e.from === i && (e.how === "dependsOn" || e.how === "annotated")).map((e) => ref("component", components[e.to]!, c.namespace)),
      ...memberships.filter((m) => m.component === i && m.how === "dependsOn").map((m) => ref("resource", resources[m.resource]!, c.namespace)),
    ];
    const dependencyOf = edges.filter((e) => e.to === i && e.how === "dependencyOf").map((e) => ref("component", components[e.from]!, c.namespace));
    const consumesApis = edges.filter((e) => e.from === i && e.how === "api").map((e) => {
      const provider = components[e.to]!;
      return ref("api", { namespace: provider.namespace, name: apiOf(e.to)!.name }, c.namespace).replace(/^api:/, rand50(i + e.to) ? "api:" : "");
    });
    const annotated = edges.filter((e) => e.from === i && e.how === "annotated");
    const annotations: string[] = [];
    if (c.tier !== null) annotations.push(`    interlock.dev/tier: "${c.tier}"`);
    if (c.criticality !== null) annotations.push(`    interlock.dev/criticality: ${c.criticality}`);
    if (annotated.length) annotations.push(`    interlock.dev/dependency-kinds: ${JSON.stringify(annotated.map((e) => `${ref("component", components[e.to]!, c.namespace).replace(/^component:/, "")}=${e.kind}`).join(", "))}`);
    const api = apiOf(i);
    const owner = c.namespace === "default" ? (i % 2 ? c.team : `group:${c.team}`) : `group:default/${c.team}`;
    const text =
      `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${c.name}\n` +
      (c.namespace !== "default" ? `  namespace: ${c.namespace}\n` : "") +
      (c.description ? `  description: ${c.description}\n` : "") +
      (annotations.length ? `  annotations:\n${annotations.join("\n")}\n` : "") +
      `spec:\n  type: service\n  lifecycle: production\n  owner: ${owner}\n` +
      yamlList("dependsOn", dependsOn) +
      yamlList("dependencyOf", dependencyOf) +
      yamlList("providesApis", api ? [api.name] : []) +
      yamlList("consumesApis", consumesApis);
    add(`teams/${c.team}/catalog-info.yaml`, text, c);
    if (api) {
      add("apis.yaml", `apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: ${api.name}\n${c.namespace !== "default" ? `  namespace: ${c.namespace}\n` : ""}spec:\n  type: ${api.async ? "asyncapi" : "openapi"}\n  lifecycle: production\n  owner: group:default/${c.team}\n  definition: "{}"\n`);
    }
  });
  resources.forEach((r, j) => {
    const dependencyOf = memberships.filter((m) => m.resource === j && m.how === "dependencyOf").map((m) => ref("component", components[m.component]!, r.namespace));
    add("infra/resources.yaml", `apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: ${r.name}\n${r.namespace !== "default" ? `  namespace: ${r.namespace}\n` : ""}${r.description ? `  description: ${r.description}\n` : ""}spec:\n  type: ${r.type}\n  owner: group:default/platform\n${yamlList("dependencyOf", dependencyOf)}`);
  });
  for (const team of teams) add("org.yml", `apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: ${team}\nspec:\n  type: team\n  children: []\n`);

  const starts = new Map<string, { file: string; line: number }>();
  for (const [file, docs] of docsByFile) {
    let line = 1;
    let text = "";
    for (const d of docs) {
      if (text) {
        text += "---\n";
        line += 1;
      }
      if (d.component) starts.set(d.component.name, { file, line });
      text += d.text;
      line += d.text.split("\n").length - 1;
    }
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return starts;
}
const rand50 = (n: number) => n % 2 === 0;

/** What the estate should become, from the generator's choices. */
function expectedFrom(estate: Estate) {
  const { components, edges, resources, memberships } = estate;
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return {
    services: components
      .map((c) => ({ name: c.name, tier: c.tier ?? 1, criticality: (c.criticality ?? "CRITICAL").toUpperCase(), team: c.team, description: c.description }))
      .sort(byName),
    dependencies: edges
      .map((e) => ({ from: components[e.from]!.name, to: components[e.to]!.name, kind: e.kind }))
      .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : 1)),
    resourceGroups: resources
      .map((r, j) => ({ name: r.name, kind: r.kind, description: r.description, members: memberships.filter((m) => m.resource === j).map((m) => components[m.component]!.name).sort() }))
      .sort(byName),
  };
}

// -------------------------------------------------------------------- tests

describe("reading a Backstage catalog from disk", () => {
  it("a generated catalog of 50 components in several files gives exactly the generator's services, edges and groups", async () => {
    const estate = generateEstate(24);
    const dir = path.join(tmp, "estate");
    const starts = writeEstate(dir, estate);
    // The generator exercises every way of writing a relation.
    expect(new Set(estate.edges.map((e) => e.how))).toEqual(new Set(["dependsOn", "dependencyOf", "annotated", "api"]));
    expect(new Set(estate.memberships.map((m) => m.how))).toEqual(new Set(["dependsOn", "dependencyOf"]));
    expect(fs.readdirSync(path.join(dir, "teams")).length).toBeGreaterThan(3);

    const assertion = await assertionOf(new CatalogSource([dir]));
    expect(assertion.source).toBe("CATALOG");
    expect(assertion.origin).toBe(dir);
    expect(withoutOrigins(assertion)).toEqual(expectedFrom(estate));
    // Each service's origin is the file and line its Component starts at.
    for (const service of assertion.services) {
      const start = starts.get(service.name)!;
      const namespace = estate.components.find((c) => c.name === service.name)!.namespace;
      expect(service.origin).toBe(`${path.join(dir, start.file)}:${start.line} component:${namespace}/${service.name}`);
    }
  });

  it("the same catalog named by its files, in any order, reads the same", async () => {
    const estate = generateEstate(5);
    const dir = path.join(tmp, "estate-files");
    writeEstate(dir, estate);
    const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).map((f) => path.join(dir, f)).reverse();
    expect(withoutOrigins(await assertionOf(new CatalogSource({ paths: files })))).toEqual(expectedFrom(estate));
  });

  it("malformed entities are reported by file and line, and there is no assertion", async () => {
    const dir = path.join(tmp, "malformed");
    const syntax = write("malformed/a-syntax.yaml", ["apiVersion: backstage.io/v1alpha1", "kind: Component", "metadata:", "  name: broken", "  name: twice", "spec:", "  owner: x"].join("\n"));
    const entities = write(
      "malformed/b-entities.yaml",
      [
        "apiVersion: backstage.io/v1alpha1", // 1
        "kind: Component",
        "metadata:",
        "  name: good",
        "spec:", // 5
        "  owner: team-a",
        "---",
        "apiVersion: backstage.io/v1alpha1",
        "kind: Component",
        "metadata:", // 10
        "  description: I forgot my name",
        "spec:",
        "  owner: team-a",
        "---",
        "apiVersion: backstage.io/v1alpha1", // 15
        "kind: Component",
        "metadata:",
        "  name: lonely",
        "  annotations:",
        "    interlock.dev/tier: high", // 20
        "spec:",
        "  owner: team-a",
        "  dependsOn:",
        "    - component:good",
        "    - component:ghost", // 25
        "",
      ].join("\n"),
    );
    expect(fs.existsSync(syntax) && fs.existsSync(entities)).toBe(true);
    const problems = await problemsOf(new CatalogSource([dir]));
    const file = (name: string) => path.join(dir, name);
    expect(problems).toEqual([
      { file: file("a-syntax.yaml"), line: 5, entity: null, message: expect.stringMatching(/^YAML: Map keys must be unique/) },
      { file: file("b-entities.yaml"), line: 11, entity: null, message: "metadata.name is required" },
      { file: file("b-entities.yaml"), line: 20, entity: "component:default/lonely", message: expect.stringContaining('annotation interlock.dev/tier must be a whole number ≥ 1 written as a string (e.g. "2"), got "high"') },
      { file: file("b-entities.yaml"), line: 25, entity: "component:default/lonely", message: "spec.dependsOn[1] names component:default/ghost, which is not in the catalog" },
    ]);
  });

  it("a YAML syntax error is located by line", async () => {
    write("syntax2/catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  annotations: { a: 1\nspec:\n  owner: t\n");
    const problems = await problemsOf(new CatalogSource([path.join(tmp, "syntax2")]));
    // The unclosed flow map of line 5 is found where the next key starts; nothing else is reported for the file.
    expect(problems).toEqual([{ file: path.join(tmp, "syntax2", "catalog-info.yaml"), line: 6, entity: null, message: expect.stringMatching(/^YAML: Flow map .* end with a }/) }]);
  });

  it("follows Location entities' relative targets (files and directories), and only what they name", async () => {
    const component = (name: string) => `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  owner: t\n`;
    const location = (name: string, targets: string[]) => `apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: ${name}\nspec:\n  targets:\n${targets.map((t) => `    - ${t}`).join("\n")}\n`;
    const root = write("loc/catalog-info.yaml", location("root", ["./a/catalog-info.yaml", "./b", "./a/catalog-info.yaml"]));
    write("loc/a/catalog-info.yaml", `${component("a")}---\n${location("a-more", ["../c/deeper.yml"])}`);
    write("loc/b/x.yaml", component("b"));
    write("loc/b/sub/y.yaml", component("b2"));
    write("loc/c/deeper.yml", component("c"));
    write("loc/not-named/z.yaml", component("z"));
    const assertion = await assertionOf(new CatalogSource([root]));
    expect(assertion.services.map((s) => s.name)).toEqual(["a", "b", "b2", "c"]);
    expect(assertion.services.find((s) => s.name === "c")!.origin).toBe(`${path.join(tmp, "loc", "c", "deeper.yml")}:1 component:default/c`);
  });

  it("refuses Location targets outside the root, missing, too deep, or not files; optional targets may be missing", async () => {
    const component = (name: string) => `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  owner: t\n`;
    const location = (name: string, targets: string[], extra = "") => `apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: ${name}\nspec:\n${extra}  targets:\n${targets.map((t) => `    - ${t}`).join("\n")}\n`;
    write("outside.yaml", component("outsider"));
    const dir = path.join(tmp, "bounded");
    write("bounded/root.yaml", location("root", ["../outside.yaml", "./missing.yaml", "https://github.com/o/r/catalog-info.yaml", "./l1.yaml"]));
    write("bounded/optional.yaml", location("maybe", ["./not-there.yaml"], "  presence: optional\n"));
    write("bounded/l1.yaml", location("l1", ["./l2.yaml"]));
    write("bounded/l2.yaml", location("l2", ["./l3.yaml"]));
    write("bounded/l3.yaml", `${component("deep")}---\n${location("l3", ["./l4.yaml"])}`);
    write("bounded/l4.yaml", component("deepest"));
    write("bounded/app.yaml", component("app"));
    fs.symlinkSync(path.join(tmp, "outside.yaml"), path.join(dir, "link.yaml"));
    // Read as one Location file with depth 2 (root → l1 → l2 stops before l3) ...
    const problems = await problemsOf(new CatalogSource({ paths: [path.join(dir, "root.yaml")], locationDepth: 2 }));
    expect(problems.map((p) => `${path.relative(tmp, p.file)}:${p.line} ${p.entity} ${p.message.replaceAll(tmp, "TMP")}`)).toEqual([
      `bounded/l2.yaml:7 location:default/l2 "./l3.yaml" is not followed: Locations nest at most 2 deep`,
      `bounded/root.yaml:7 location:default/root target TMP/outside.yaml is outside the catalog root TMP/bounded; Interlock reads nothing outside the configured paths`,
      `bounded/root.yaml:8 location:default/root target TMP/bounded/missing.yaml does not exist`,
      `bounded/root.yaml:9 location:default/root "https://github.com/o/r/catalog-info.yaml" is a URL: Interlock follows file targets only (list the files, or configure their directory in GRAPH_CATALOG_PATHS)`,
    ]);
    // ... and as the whole directory: the symlink out of it is refused too; the optional Location is no problem.
    const all = await problemsOf(new CatalogSource([dir]));
    expect(all.map((p) => `${path.relative(tmp, p.file)} ${p.message.replaceAll(tmp, "TMP")}`)).toContain(`bounded/link.yaml links to TMP/outside.yaml, outside the catalog root ${path.join(tmp, "bounded").replace(tmp, "TMP")}; not read`);
    expect(all.some((p) => p.file.endsWith("optional.yaml"))).toBe(false);
  });

  it("a configured path that does not exist, and no paths at all, are problems", async () => {
    expect(await problemsOf(new CatalogSource([path.join(tmp, "nope")]))).toEqual([{ file: path.join(tmp, "nope"), line: null, entity: null, message: "does not exist (GRAPH_CATALOG_PATHS)" }]);
    expect(await problemsOf(new CatalogSource([" ", ""]))).toEqual([{ file: "GRAPH_CATALOG_PATHS", line: null, entity: null, message: "no catalog paths are configured" }]);
  });

  it("the example catalog in docs/examples/backstage reads as docs/graph-catalog.md describes it", async () => {
    const example = path.relative(process.cwd(), path.resolve(import.meta.dirname, "../../../docs/examples/backstage"));
    const viaLocation = await assertionOf(new CatalogSource([path.join(example, "catalog-info.yaml")]));
    expect(withoutOrigins(viaLocation)).toEqual({
      services: [
        { name: "cart-service", tier: 2, criticality: "HIGH", team: "payments", description: "Carts and order placement" },
        { name: "checkout-web", tier: 1, criticality: "CRITICAL", team: "payments", description: "The storefront's checkout pages" },
        { name: "ledger-service", tier: 1, criticality: "CRITICAL", team: "payments", description: "Double-entry ledger" },
        { name: "notification-service", tier: 3, criticality: "MEDIUM", team: "platform", description: "E-mail and push notifications" },
        { name: "payment-service", tier: 2, criticality: "CRITICAL", team: "payments", description: "Card payments" },
        { name: "user-service", tier: 2, criticality: "HIGH", team: "identity", description: "User accounts and sign-in" },
      ],
      dependencies: [
        { from: "checkout-web", to: "cart-service", kind: "SYNC_API" },
        { from: "checkout-web", to: "payment-service", kind: "SYNC_API" },
        { from: "checkout-web", to: "user-service", kind: "SYNC_API" },
        { from: "ledger-service", to: "cart-service", kind: "ASYNC_EVENT" },
        { from: "notification-service", to: "cart-service", kind: "ASYNC_EVENT" },
        { from: "payment-service", to: "ledger-service", kind: "DATA" },
        { from: "payment-service", to: "user-service", kind: "SYNC_API" },
      ],
      resourceGroups: [
        { name: "order-queue", kind: "QUEUE", description: "Kafka topic carrying order events", members: ["cart-service", "notification-service"] },
        { name: "payments-db", kind: "DATABASE", description: "Primary PostgreSQL cluster of the payments team", members: ["payment-service"] },
        { name: "receipts-bucket", kind: "OTHER", description: "S3 bucket of PDF receipts", members: ["payment-service"] },
        { name: "redis-cache", kind: "CACHE", description: "Shared Redis for sessions and carts", members: ["cart-service"] },
        { name: "users-db", kind: "DATABASE", description: "Accounts database", members: ["user-service"] },
      ],
    });
    expect(viaLocation.dependencies.find((d) => d.kind === "DATA")!.origin).toBe(`${path.join(example, "checkout", "catalog-info.yaml")}:61 component:default/payment-service`);
    // The directory itself reads the same (every file once, the Location's targets included).
    const viaDirectory = await assertionOf(new CatalogSource([example]));
    expect(withoutOrigins(viaDirectory)).toEqual(withoutOrigins(viaLocation));
  });
});
