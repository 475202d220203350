import { serve } from "@/server/http/endpoint";
import { revokeApiTokenEndpoint } from "@/server/http/api/catalog";

export const DELETE = serve(revokeApiTokenEndpoint);
