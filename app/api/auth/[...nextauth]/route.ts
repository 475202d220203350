import NextAuth from "next-auth";
import { getContainer } from "@/server/container";
import { configureAuthUrl } from "@/server/http/auth-url";

// next-auth's own endpoints (sign-in page, callbacks, session, CSRF token).
// They are next-auth's, not ours, so they are the one API path outside
// `serve()`; next-auth checks its own CSRF token on every POST.
async function handler(request: Request, context: { params: Promise<{ nextauth: string[] }> }): Promise<Response> {
  const container = await getContainer();
  configureAuthUrl(container.env);
  return NextAuth(request as never, context as never, container.identity.authOptions) as Promise<Response>;
}

export { handler as GET, handler as POST };
