import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { updateMeEndpoint, whoAmIEndpoint } from "@/server/http/api/catalog";

export const GET = serve(whoAmIEndpoint);
export const PATCH = serve(updateMeEndpoint);

// Every other method gets 405 with the structured error body.
export const { POST, PUT, DELETE } = otherMethodsNotAllowed("GET", "PATCH");
