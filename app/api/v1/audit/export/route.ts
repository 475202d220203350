import { serve } from "@/server/http/endpoint";
import { exportAuditEndpoint } from "@/server/http/api/catalog";

export const GET = serve(exportAuditEndpoint);
