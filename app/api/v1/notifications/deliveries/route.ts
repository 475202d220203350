import { serve } from "@/server/http/endpoint";
import { deliveriesEndpoint } from "@/server/http/api/catalog";

export const GET = serve(deliveriesEndpoint);
