import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { pauseOperationEndpoint } from "@/server/http/api/catalog";

export const POST = serve(pauseOperationEndpoint);

// Every other method gets 405 with the structured error body.
export const { GET, PUT, PATCH, DELETE } = otherMethodsNotAllowed("POST");
