import { methodNotAllowed, serve } from "@/server/http/endpoint";
import { getDemoRunEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getDemoRunEndpoint);

// Every other method gets 405 with the structured error body.
const notAllowed = methodNotAllowed(["GET"]);
export const POST = notAllowed;
export const PUT = notAllowed;
export const PATCH = notAllowed;
export const DELETE = notAllowed;
