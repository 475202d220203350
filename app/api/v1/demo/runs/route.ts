import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { listDemoRunsEndpoint, startDemoRunEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listDemoRunsEndpoint);
export const POST = serve(startDemoRunEndpoint);

// Every other method gets 405 with the structured error body.
export const { PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET", "POST");
