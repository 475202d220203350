import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZIncidentDetail, ZIncidentPage } from "@/lib/api/incidents";
import { getIncident } from "../../core/incidents/get-incident";
import { listIncidents, ZListIncidentsQuery } from "../../core/incidents/list-incidents";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, NOT_FOUND } from "./responses";

export const listIncidentsEndpoint = endpoint({
  operationId: "listIncidents",
  method: "GET",
  path: "/api/v1/incidents",
  summary: "List incidents",
  tags: ["incidents"],
  access: "VIEWER",
  query: ZListIncidentsQuery,
  responses: { 200: { description: "One page, newest first", schema: ZIncidentPage }, ...AUTH_ERRORS },
  async handler({ container, query }) {
    return { status: 200, body: await listIncidents({ incidents: container.queries.incidents }, query) };
  },
});

export const getIncidentEndpoint = endpoint({
  operationId: "getIncident",
  method: "GET",
  path: "/api/v1/incidents/{id}",
  summary: "Get an incident",
  description: "The incident with its pipeline stages (the MTTR timeline, from recorded times) and its operations.",
  tags: ["incidents"],
  access: "VIEWER",
  params: ZIdParams,
  responses: { 200: { description: "The incident", schema: ZIncidentDetail }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, params }) {
    return { status: 200, body: await getIncident({ incidents: container.queries.incidents }, { id: params.id }) };
  },
});
