import "server-only";
import { ZBlastRadius, ZBlastRadiusQuery, ZTopology } from "@/lib/api/graph";
import { blastRadiusOf } from "../../core/conflicts/blast-radius";
import { AppError } from "../../core/errors";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, NOT_FOUND } from "./responses";

export const getTopologyEndpoint = endpoint({
  operationId: "getTopology",
  method: "GET",
  path: "/api/v1/graph",
  summary: "Get the dependency graph",
  tags: ["graph"],
  access: "VIEWER",
  responses: { 200: { description: "The whole graph, sorted by name", schema: ZTopology }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: await container.graph.loadSnapshot() };
  },
});

export const getBlastRadiusEndpoint = endpoint({
  operationId: "getBlastRadius",
  method: "GET",
  path: "/api/v1/graph/blast-radius",
  summary: "Blast radius of a service or an operation",
  description: "The weighted blast radius over 1..depth hops (docs/specification.md#blast-radius): direct, shared resource, downstream and upstream services.",
  tags: ["graph"],
  access: "VIEWER",
  query: ZBlastRadiusQuery,
  responses: { 200: { description: "The blast radius", schema: ZBlastRadius }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, query }) {
    let service = query.service ?? null;
    if (query.operationId) {
      const operation = await container.orchestrator.get(query.operationId);
      if (!operation) throw new AppError("NOT_FOUND", `Operation ${query.operationId} does not exist`, { operationId: query.operationId });
      service = operation.service;
    }
    const index = await container.graphIndex.current(container.clock.now());
    const radius = blastRadiusOf(index, [service!], query.depth);
    return { status: 200, body: { subject: { service: service!, operationId: query.operationId ?? null }, ...radius } };
  },
});
