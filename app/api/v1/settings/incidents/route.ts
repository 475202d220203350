import { otherMethodsNotAllowed, serve } from "@/server/http/endpoint";
import { getIncidentSettingsEndpoint, updateIncidentSettingsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getIncidentSettingsEndpoint);
export const PUT = serve(updateIncidentSettingsEndpoint);

// Every other method gets 405 with the structured error body.
export const { POST, PATCH, DELETE } = otherMethodsNotAllowed("GET", "PUT");
