import { serve } from "@/server/http/endpoint";
import { getKpisEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getKpisEndpoint);
