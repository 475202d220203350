import { serve } from "@/server/http/endpoint";
import { lockStatisticsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(lockStatisticsEndpoint);
