import { describe, expect, it } from "vitest";
import { DEMO_TOPOLOGY } from "@/server/core/topology/demo-topology";
import { normalizeTopology } from "@/server/core/graph/normalize-topology";
import { describeTextProblem, parseTopologyText, topologyToYaml } from "./topology-text";

const FILE = `services:
  - name: web
    tier: 1
    criticality: high
    team: edge
    dependsOn:
      - api
      - { service: events, kind: ASYNC_EVENT }
    resourceGroups: [redis]
  - name: api
    tier: 2
    criticality: MEDIUM
    team: core
  - name: events
    tier: 3
    criticality: LOW
    team: core
resourceGroups:
  - name: redis
    kind: CACHE
`;

describe("parseTopologyText", () => {
  it("reads the topology file format (YAML) into the API's shape", () => {
    const parsed = parseTopologyText(FILE);
    expect(parsed).toMatchObject({ ok: true, format: "file" });
    if (!parsed.ok) return;
    expect(parsed.topology.services.map((s) => `${s.name}:${s.criticality}`)).toEqual(["web:HIGH", "api:MEDIUM", "events:LOW"]);
    expect(parsed.topology.dependencies).toEqual([
      { from: "web", to: "api", kind: "SYNC_API" },
      { from: "web", to: "events", kind: "ASYNC_EVENT" },
    ]);
    expect(parsed.topology.resourceGroups).toEqual([{ name: "redis", kind: "CACHE", description: "", members: ["web"] }]);
  });

  it("takes the API's own shape (JSON, as GET /api/v1/graph answers) as it is", () => {
    const parsed = parseTopologyText(JSON.stringify(DEMO_TOPOLOGY));
    expect(parsed).toMatchObject({ ok: true, format: "api" });
    if (parsed.ok) expect(parsed.topology).toEqual(DEMO_TOPOLOGY);
  });

  it("locates each problem of the file format by line and column", () => {
    const parsed = parseTopologyText(FILE.replace("      - api\n", "      - ghost\n").replace("tier: 3", "tier: three"));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map(describeTextProblem)).toEqual(["15:11 services[2].tier: must be a number"]);
    const unknown = parseTopologyText(FILE.replace("      - api\n", "      - ghost\n"));
    expect(unknown.ok ? [] : unknown.problems.map((p) => [p.line, p.entry])).toEqual([[7, "services[0].dependsOn[0]"]]);
    expect(unknown.ok ? "" : unknown.problems[0]!.problem).toMatch(/ghost/);
  });

  it("refuses YAML syntax errors, duplicate keys, an empty text and a document without services", () => {
    const syntax = parseTopologyText("services:\n  - name: a\n    name: b\n");
    expect(syntax.ok ? null : syntax.problems[0]).toMatchObject({ line: 3, entry: "(syntax)" });
    expect(parseTopologyText("  \n")).toMatchObject({ ok: false, problems: [{ entry: "(document)" }] });
    expect(parseTopologyText("- a\n- b\n")).toMatchObject({ ok: false, problems: [{ line: 1, entry: "(document)" }] });
  });

  it("writes the graph as a file that reads back to the same graph", () => {
    const yaml = topologyToYaml(DEMO_TOPOLOGY);
    expect(yaml).toContain("dependsOn:");
    const parsed = parseTopologyText(yaml);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(normalizeTopology(parsed.topology)).toEqual(normalizeTopology(DEMO_TOPOLOGY));
  });
});
