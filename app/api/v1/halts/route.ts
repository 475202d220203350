import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { callHaltEndpoint, listHaltsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listHaltsEndpoint);
export const POST = serve(callHaltEndpoint);

// Every other method gets 405 with the structured error body.
export const { PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET", "POST");
