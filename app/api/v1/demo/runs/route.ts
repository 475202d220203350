import { methodNotAllowed, serve } from "@/server/http/endpoint";
import { listDemoRunsEndpoint, startDemoRunEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listDemoRunsEndpoint);
export const POST = serve(startDemoRunEndpoint);

// Every other method gets 405 with the structured error body.
const notAllowed = methodNotAllowed(["GET", "POST"]);
export const PUT = notAllowed;
export const PATCH = notAllowed;
export const DELETE = notAllowed;
