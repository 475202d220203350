import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { updateUserEndpoint } from "@/server/http/api/catalog";

export const PATCH = serve(updateUserEndpoint);

// Every other method gets 405 with the structured error body.
export const { GET, POST, PUT, DELETE } = otherMethodsNotAllowed("PATCH");
