import { serve } from "@/server/http/endpoint";
import { markReadEndpoint } from "@/server/http/api/catalog";

export const POST = serve(markReadEndpoint);
