import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { createRemediationRuleEndpoint, listRemediationRulesEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listRemediationRulesEndpoint);
export const POST = serve(createRemediationRuleEndpoint);

// Every other method gets 405 with the structured error body.
export const { PUT, PATCH, DELETE } = otherMethodsNotAllowed("GET", "POST");
