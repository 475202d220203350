import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { listApiTokensEndpoint, createApiTokenEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listApiTokensEndpoint);
export const POST = serve(createApiTokenEndpoint);

// Every other method gets 405 with the structured error body.
export const { PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET", "POST");
