import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { getTopologyEndpoint, putGraphEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getTopologyEndpoint);
export const PUT = serve(putGraphEndpoint);

// Every other method gets 405 with the structured error body.
export const { POST, PATCH, DELETE } = otherMethodsNotAllowed("GET", "PUT");
