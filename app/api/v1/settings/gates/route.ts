import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { getGateSettingsEndpoint, updateGateSettingsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getGateSettingsEndpoint);
export const PUT = serve(updateGateSettingsEndpoint);

// Every other method gets 405 with the structured error body.
export const { POST, PATCH, DELETE } = otherMethodsNotAllowed("GET", "PUT");
