import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { heartbeatEndpoint } from "@/server/http/api/catalog";

export const POST = serve(heartbeatEndpoint);

// Every other method gets 405 with the structured error body.
export const { GET, PUT, PATCH, DELETE } = otherMethodsNotAllowed("POST");
