import { serve } from "@/server/http/endpoint";
import { getGateSettingsEndpoint, updateGateSettingsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(getGateSettingsEndpoint);
export const PUT = serve(updateGateSettingsEndpoint);
