import { serve } from "@/server/http/endpoint";
import { getOperationEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getOperationEndpoint);
