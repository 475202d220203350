import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { unlinkOidcIdentityEndpoint } from "@/server/http/api/catalog";

export const DELETE = serve(unlinkOidcIdentityEndpoint);

// Every other method gets 405 with the structured error body.
export const { GET, POST, PUT, PATCH } = otherMethodsNotAllowed("DELETE");
