import { serve } from "@/server/http/endpoint";
import { getTopologyEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getTopologyEndpoint);
