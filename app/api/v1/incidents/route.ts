import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { listIncidentsEndpoint, openIncidentEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listIncidentsEndpoint);
export const POST = serve(openIncidentEndpoint);

// Every other method gets 405 with the structured error body.
export const { PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET", "POST");
