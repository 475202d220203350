import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { deleteApprovalPolicyEndpoint, getApprovalPolicyEndpoint, updateApprovalPolicyEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getApprovalPolicyEndpoint);
export const PATCH = serve(updateApprovalPolicyEndpoint);
export const DELETE = serve(deleteApprovalPolicyEndpoint);

// Every other method gets 405 with the structured error body.
export const { POST, PUT } = otherMethodsNotAllowed("GET", "PATCH", "DELETE");
