import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { listUsersEndpoint, createUserEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listUsersEndpoint);
export const POST = serve(createUserEndpoint);

// Every other method gets 405 with the structured error body.
export const { PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET", "POST");
