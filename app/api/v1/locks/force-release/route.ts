import { serve } from "@/server/http/endpoint";
import { forceReleaseLockEndpoint } from "@/server/http/api/catalog";

export const POST = serve(forceReleaseLockEndpoint);
