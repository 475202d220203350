import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { linkOidcIdentityEndpoint, listOidcIdentitiesEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listOidcIdentitiesEndpoint);
export const POST = serve(linkOidcIdentityEndpoint);

// Every other method gets 405 with the structured error body.
export const { PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET", "POST");
