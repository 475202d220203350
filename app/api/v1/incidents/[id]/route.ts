import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { getIncidentEndpoint, moveIncidentEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getIncidentEndpoint);
export const PATCH = serve(moveIncidentEndpoint);

// Every other method gets 405 with the structured error body.
export const { POST, PUT, DELETE } = otherMethodsNotAllowed("GET", "PATCH");
