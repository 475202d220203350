import { serve } from "@/server/http/endpoint";
import { getBlastRadiusEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getBlastRadiusEndpoint);
