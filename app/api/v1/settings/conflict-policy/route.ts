import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { getConflictPolicyEndpoint, updateConflictPolicyEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getConflictPolicyEndpoint);
export const PUT = serve(updateConflictPolicyEndpoint);

// Every other method gets 405 with the structured error body.
export const { POST, PATCH, DELETE } = otherMethodsNotAllowed("GET", "PUT");
