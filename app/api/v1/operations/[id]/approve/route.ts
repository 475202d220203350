import { serve } from "@/server/http/endpoint";
import { approveOperationEndpoint } from "@/server/http/api/catalog";

export const POST = serve(approveOperationEndpoint);
