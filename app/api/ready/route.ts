import { route } from "@/server/http/route";
import { readinessResponse } from "@/server/http/readiness";

export const GET = route("ready", async ({ container }) => {
  const { status, body } = await readinessResponse(container);
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
});
