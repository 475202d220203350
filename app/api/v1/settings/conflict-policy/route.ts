import { methodNotAllowed, serve } from "@/server/http/endpoint";
import { getConflictPolicyEndpoint, updateConflictPolicyEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getConflictPolicyEndpoint);
export const PUT = serve(updateConflictPolicyEndpoint);

// Every other method gets 405 with the structured error body.
const notAllowed = methodNotAllowed(["GET", "PUT"]);
export const POST = notAllowed;
export const PATCH = notAllowed;
export const DELETE = notAllowed;
