import { serve } from "@/server/http/endpoint";
import { getIncidentEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getIncidentEndpoint);
