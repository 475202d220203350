import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { listOperationsEndpoint, submitOperationEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listOperationsEndpoint);
export const POST = serve(submitOperationEndpoint);

// Every other method gets 405 with the structured error body.
export const { PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET", "POST");
