// The input of a whole-document change (PUT /api/v1/graph, POST /api/v1/graph/diff,
// docs/graph-changes.md#a-document-is-the-whole-declared-graph): a Topology in the
// shape GET /api/v1/graph answers, so a graph can be read, edited and put back.
import { z } from "zod";
import { AppError } from "../errors";
import { CRITICALITIES, DEPENDENCY_KINDS, RESOURCE_KINDS, type TopologySpec } from "../topology/types";
import { findTopologyProblems } from "../topology/validate-topology";

const name = z.string({ message: "must be a string" }).trim().min(1, "must not be empty").max(200, "must be at most 200 characters");
const text = z.string({ message: "must be a string" }).max(2_000, "must be at most 2000 characters").default("");

export const ZTopologyChangeBody = z
  .strictObject({
    services: z
      .array(
        z.strictObject({
          name,
          tier: z.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(1_000, "must be at most 1000"),
          criticality: z.enum(CRITICALITIES, { message: `must be one of ${CRITICALITIES.join(", ")}` }),
          team: name,
          description: text,
        }),
        { message: "must be a list of services" },
      )
      .max(100_000, "at most 100000 services"),
    dependencies: z
      .array(z.strictObject({ from: name, to: name, kind: z.enum(DEPENDENCY_KINDS, { message: `must be one of ${DEPENDENCY_KINDS.join(", ")}` }).default("SYNC_API") }), { message: "must be a list of edges" })
      .max(1_000_000, "at most 1000000 edges")
      .default([]),
    resourceGroups: z
      .array(
        z.strictObject({
          name,
          kind: z.enum(RESOURCE_KINDS, { message: `must be one of ${RESOURCE_KINDS.join(", ")}` }),
          description: text,
          members: z.array(name, { message: "must be a list of service names" }).default([]),
        }),
        { message: "must be a list of resource groups" },
      )
      .default([]),
  })
  .meta({ id: "TopologyDocument", description: "The whole declared graph: services, DEPENDS_ON edges (from depends on to) and resource groups, as GET /api/v1/graph answers" });

/**
 * A document that parsed as a Topology, checked for what the schema cannot
 * see: duplicate names, edges and members naming services the document does
 * not have, self-edges. VALIDATION_FAILED names every problem and its entry.
 */
export function assertDocumentConsistent(topology: TopologySpec): TopologySpec {
  const problems = findTopologyProblems(topology);
  if (problems.length > 0) {
    const listed = problems.map((p) => `${p.entry}: ${p.problem}`);
    throw new AppError("VALIDATION_FAILED", `The topology document has ${problems.length} problem(s): ${listed.slice(0, 20).join("; ")}${listed.length > 20 ? "; …" : ""}`, {
      problems: listed,
    });
  }
  return topology;
}
