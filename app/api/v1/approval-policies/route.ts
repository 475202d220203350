import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { createApprovalPolicyEndpoint, listApprovalPoliciesEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listApprovalPoliciesEndpoint);
export const POST = serve(createApprovalPolicyEndpoint);

// Every other method gets 405 with the structured error body.
export const { PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET", "POST");
