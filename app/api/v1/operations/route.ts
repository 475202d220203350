import { methodNotAllowed, serve } from "@/server/http/endpoint";
import { listOperationsEndpoint, submitOperationEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listOperationsEndpoint);
export const POST = serve(submitOperationEndpoint);

// Every other method gets 405 with the structured error body.
const notAllowed = methodNotAllowed(["GET", "POST"]);
export const PUT = notAllowed;
export const PATCH = notAllowed;
export const DELETE = notAllowed;
