import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findDependencyCycles } from "../../core/graph/find-dependency-cycles";
import { generateSyntheticTopology } from "../../core/graph/generate-synthetic-topology";
import { normalizeTopology } from "../../core/graph/normalize-topology";
import { DEMO_TOPOLOGY } from "../../core/topology/demo-topology";
import { describeFileProblems, formatTopologyFile, parseTopologyFile, type FileProblem } from "./topology-file";

const EXAMPLE = path.resolve(import.meta.dirname, "../../../docs/topology.example.yaml");

function problemsOf(text: string): FileProblem[] {
  const result = parseTopologyFile(text);
  if (result.ok) throw new Error("expected the file to be refused");
  return result.problems;
}

describe("topology files", () => {
  it("the shipped example is the demo topology", () => {
    const result = parseTopologyFile(fs.readFileSync(EXAMPLE, "utf8"));
    expect(result.ok).toBe(true);
    if (result.ok) expect(normalizeTopology(result.topology)).toEqual(normalizeTopology(DEMO_TOPOLOGY));
  });

  it("the example is exactly what exporting the demo topology writes", () => {
    expect(formatTopologyFile(DEMO_TOPOLOGY)).toBe(fs.readFileSync(EXAMPLE, "utf8"));
  });

  it.each(["yaml", "json"] as const)("%s: what an export writes, an import reads back unchanged", (format) => {
    const topology = generateSyntheticTopology({ services: 300, dependencies: 900, resourceGroups: 6, seed: 7 });
    const result = parseTopologyFile(formatTopologyFile(topology, format));
    expect(result.ok).toBe(true);
    if (result.ok) expect(normalizeTopology(result.topology)).toEqual(normalizeTopology(topology));
  });

  it("reads edge kinds in either case and defaults to SYNC_API", () => {
    const result = parseTopologyFile(`services:
  - { name: a, tier: 1, criticality: high, team: t, dependsOn: [b, { service: c, kind: async_event }] }
  - { name: b, tier: 2, criticality: LOW, team: t }
  - { name: c, tier: 2, criticality: LOW, team: t }
`);
    expect(result.ok && result.topology.dependencies).toEqual([
      { from: "a", to: "b", kind: "SYNC_API" },
      { from: "a", to: "c", kind: "ASYNC_EVENT" },
    ]);
  });

  it("names the line and entry of an edge to an unknown service, a duplicate name and an unknown group", () => {
    const text = `services:
  - name: a
    tier: 1
    criticality: HIGH
    team: t
    dependsOn:
      - b
      - ghost
  - name: b
    tier: 2
    criticality: HIGH
    team: t
    resourceGroups: [db, nosuch]
  - name: a
    tier: 2
    criticality: HIGH
    team: t
resourceGroups:
  - name: db
    kind: DATABASE
`;
    expect(problemsOf(text)).toEqual([
      { line: 8, column: 9, entry: "services[0] (a).dependsOn[1]", problem: 'unknown service "ghost"' },
      { line: 13, column: 26, entry: "services[1] (b).resourceGroups[1]", problem: 'unknown resource group "nosuch" (declare it under resourceGroups)' },
      { line: 14, column: 5, entry: "services[2] (a)", problem: 'duplicate service name "a"' },
    ]);
  });

  it("names bad field types with their line", () => {
    const text = `services:
  - name: a
    tier: two
    criticality: URGENT
    team: t
    colour: blue
`;
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.line, p.entry, p.problem])).toEqual([
      [3, "services[0] (a).tier", "must be a number"],
      [4, "services[0] (a).criticality", "must be one of CRITICAL, HIGH, MEDIUM, LOW"],
      [2, "services[0] (a)", 'Unrecognized key: "colour"'],
    ]);
  });

  it("points a missing field at its entry", () => {
    const problems = problemsOf(`services:\n  - name: a\n    tier: 1\n    criticality: HIGH\n`);
    expect(problems).toEqual([{ line: 2, column: 5, entry: "services[0] (a).team", problem: "must be a string" }]);
  });

  it("reports YAML syntax errors and duplicate keys with their line", () => {
    expect(problemsOf(`services:\n  - name: a\n    tier: 1\n    tier: 2\n`)[0]).toMatchObject({ line: 4, entry: "(syntax)" });
    expect(problemsOf(`services: [\n  {name: a\n`)[0]).toMatchObject({ entry: "(syntax)" });
    expect(problemsOf("")[0]).toMatchObject({ entry: "(file)", line: null });
  });

  it("accepts cycles; they are found and reported separately", () => {
    const text = `services:
  - { name: a, tier: 1, criticality: HIGH, team: t, dependsOn: [b] }
  - { name: b, tier: 1, criticality: HIGH, team: t, dependsOn: [c] }
  - { name: c, tier: 1, criticality: HIGH, team: t, dependsOn: [a] }
  - { name: d, tier: 1, criticality: HIGH, team: t, dependsOn: [a] }
`;
    const result = parseTopologyFile(text);
    expect(result.ok).toBe(true);
    if (result.ok) expect(findDependencyCycles(result.topology)).toEqual([["a", "b", "c"]]);
  });

  it("formats problems as file:line:column entry: problem", () => {
    expect(describeFileProblems("t.yaml", [{ line: 3, column: 5, entry: "services[0] (a).tier", problem: "must be a number" }])).toBe("t.yaml:3:5 services[0] (a).tier: must be a number");
  });
});
