import { serve } from "@/server/http/endpoint";
import { listIncidentsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listIncidentsEndpoint);
