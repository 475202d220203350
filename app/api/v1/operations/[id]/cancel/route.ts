import { serve } from "@/server/http/endpoint";
import { cancelOperationEndpoint } from "@/server/http/api/catalog";

export const POST = serve(cancelOperationEndpoint);
