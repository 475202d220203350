import { serve } from "@/server/http/endpoint";
import { auditStatisticsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(auditStatisticsEndpoint);
