import { serve } from "@/server/http/endpoint";
import { whoAmIEndpoint } from "@/server/http/api/catalog";

export const GET = serve(whoAmIEndpoint);
