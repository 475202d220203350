import { methodNotAllowed, serve } from "@/server/http/endpoint";
import { getNotificationSettingsEndpoint, updateNotificationRoutingEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getNotificationSettingsEndpoint);
export const PUT = serve(updateNotificationRoutingEndpoint);

// Every other method gets 405 with the structured error body.
const notAllowed = methodNotAllowed(["GET", "PUT"]);
export const POST = notAllowed;
export const PATCH = notAllowed;
export const DELETE = notAllowed;
