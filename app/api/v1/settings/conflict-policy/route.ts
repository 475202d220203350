import { serve } from "@/server/http/endpoint";
import { getConflictPolicyEndpoint, updateConflictPolicyEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getConflictPolicyEndpoint);
export const PUT = serve(updateConflictPolicyEndpoint);
