import { route } from "@/server/http/route";

// Liveness: the process answers. It deliberately touches nothing else, so a slow
// database never gets a healthy process restarted.
export const GET = route("health", async () => Response.json({ status: "ok" }));
