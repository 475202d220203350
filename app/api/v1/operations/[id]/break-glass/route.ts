import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { breakGlassEndpoint } from "@/server/http/api/catalog";

export const POST = serve(breakGlassEndpoint);

// Every other method gets 405 with the structured error body.
export const { GET, PUT, PATCH, DELETE } = otherMethodsNotAllowed("POST");
