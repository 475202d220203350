import { serve } from "@/server/http/endpoint";
import { getNotificationSettingsEndpoint, updateNotificationRoutingEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getNotificationSettingsEndpoint);
export const PUT = serve(updateNotificationRoutingEndpoint);
