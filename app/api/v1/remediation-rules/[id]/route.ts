import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { deleteRemediationRuleEndpoint, getRemediationRuleEndpoint, updateRemediationRuleEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getRemediationRuleEndpoint);
export const PATCH = serve(updateRemediationRuleEndpoint);
export const DELETE = serve(deleteRemediationRuleEndpoint);

// Every other method gets 405 with the structured error body.
export const { POST, PUT } = otherMethodsNotAllowed("GET", "PATCH", "DELETE");
