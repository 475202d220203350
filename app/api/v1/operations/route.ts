import { serve } from "@/server/http/endpoint";
import { listOperationsEndpoint, submitOperationEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listOperationsEndpoint);
export const POST = serve(submitOperationEndpoint);
