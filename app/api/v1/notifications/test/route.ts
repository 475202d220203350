import { methodNotAllowed, serve } from "@/server/http/endpoint";
import { sendTestNotificationEndpoint } from "@/server/http/api/catalog";

export const POST = serve(sendTestNotificationEndpoint);

// Every other method gets 405 with the structured error body.
const notAllowed = methodNotAllowed(["POST"]);
export const GET = notAllowed;
export const PUT = notAllowed;
export const PATCH = notAllowed;
export const DELETE = notAllowed;
