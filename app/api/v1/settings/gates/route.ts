import { methodNotAllowed, serve } from "@/server/http/endpoint";
import { getGateSettingsEndpoint, updateGateSettingsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getGateSettingsEndpoint);
export const PUT = serve(updateGateSettingsEndpoint);

// Every other method gets 405 with the structured error body.
const notAllowed = methodNotAllowed(["GET", "PUT"]);
export const POST = notAllowed;
export const PATCH = notAllowed;
export const DELETE = notAllowed;
