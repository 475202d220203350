import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { getNotificationSettingsEndpoint, updateNotificationRoutingEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getNotificationSettingsEndpoint);
export const PUT = serve(updateNotificationRoutingEndpoint);

// Every other method gets 405 with the structured error body.
export const { POST, PATCH, DELETE } = otherMethodsNotAllowed("GET", "PUT");
