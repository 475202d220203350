import { serve } from "@/server/http/endpoint";
import { metricsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(metricsEndpoint);
