import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { deleteFreezeWindowEndpoint, getFreezeWindowEndpoint, updateFreezeWindowEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getFreezeWindowEndpoint);
export const PATCH = serve(updateFreezeWindowEndpoint);
export const DELETE = serve(deleteFreezeWindowEndpoint);

// Every other method gets 405 with the structured error body.
export const { POST, PUT } = otherMethodsNotAllowed("GET", "PATCH", "DELETE");
