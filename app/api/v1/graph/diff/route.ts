import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { diffGraphEndpoint } from "@/server/http/api/catalog";

export const POST = serve(diffGraphEndpoint);

// Every other method gets 405 with the structured error body.
export const { GET, PUT, PATCH, DELETE } = otherMethodsNotAllowed("POST");
