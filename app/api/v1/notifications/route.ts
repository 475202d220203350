import { serve } from "@/server/http/endpoint";
import { inboxEndpoint } from "@/server/http/api/catalog";

export const GET = serve(inboxEndpoint);
