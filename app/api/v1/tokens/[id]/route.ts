import { methodNotAllowed, serve } from "@/server/http/endpoint";
import { revokeApiTokenEndpoint } from "@/server/http/api/catalog";

export const DELETE = serve(revokeApiTokenEndpoint);

// Every other method gets 405 with the structured error body.
const notAllowed = methodNotAllowed(["DELETE"]);
export const GET = notAllowed;
export const POST = notAllowed;
export const PUT = notAllowed;
export const PATCH = notAllowed;
