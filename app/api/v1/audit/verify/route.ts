import { serve } from "@/server/http/endpoint";
import { verifyAuditEndpoint } from "@/server/http/api/catalog";

export const POST = serve(verifyAuditEndpoint);
