import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { graphDriftEndpoint } from "@/server/http/api/catalog";

export const GET = serve(graphDriftEndpoint);

// Every other method gets 405 with the structured error body.
export const { POST, PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET");
