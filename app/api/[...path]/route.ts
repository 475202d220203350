import { AppError } from "@/server/core/errors";
import { route } from "@/server/http/route";

// Unknown API paths get the structured error body, not the HTML 404 page.
const notFound = route<{ path: string[] }>("not-found", async ({ request }) => {
  throw new AppError("NOT_FOUND", `No API route ${request.method} ${new URL(request.url).pathname}`, { path: new URL(request.url).pathname });
});

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
