import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { createFreezeWindowEndpoint, listFreezeWindowsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listFreezeWindowsEndpoint);
export const POST = serve(createFreezeWindowEndpoint);

// Every other method gets 405 with the structured error body.
export const { PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET", "POST");
