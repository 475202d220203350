import { serve } from "@/server/http/endpoint";
import { rejectOperationEndpoint } from "@/server/http/api/catalog";

export const POST = serve(rejectOperationEndpoint);
