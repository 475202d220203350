import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { refreshGraphSourcesEndpoint } from "@/server/http/api/catalog";

export const POST = serve(refreshGraphSourcesEndpoint);

// Every other method gets 405 with the structured error body.
export const { GET, PUT, PATCH, DELETE } = otherMethodsNotAllowed("POST");
