import { serve } from "@/server/http/endpoint";
import { listApiTokensEndpoint, createApiTokenEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listApiTokensEndpoint);
export const POST = serve(createApiTokenEndpoint);
