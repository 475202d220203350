import { serve } from "@/server/http/endpoint";
import { liveEventsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(liveEventsEndpoint);
