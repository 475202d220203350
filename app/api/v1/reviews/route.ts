import { serve } from "@/server/http/endpoint";
import { listPendingReviewsEndpoint } from "@/server/http/api/catalog";

export const GET = serve(listPendingReviewsEndpoint);
