import { serve } from "@/server/http/endpoint";
import { openApiDocumentEndpoint } from "@/server/http/api/catalog";

export const GET = serve(openApiDocumentEndpoint);
