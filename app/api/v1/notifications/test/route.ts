import { serve } from "@/server/http/endpoint";
import { sendTestNotificationEndpoint } from "@/server/http/api/catalog";

export const POST = serve(sendTestNotificationEndpoint);
