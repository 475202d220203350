import { serve } from "@/server/http/endpoint";
import { listUsersEndpoint, createUserEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listUsersEndpoint);
export const POST = serve(createUserEndpoint);
