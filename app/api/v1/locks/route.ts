import { serve } from "@/server/http/endpoint";
import { listLocksEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listLocksEndpoint);
