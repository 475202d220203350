import { serve } from "@/server/http/endpoint";
import { queryAuditEventsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(queryAuditEventsEndpoint);
