import NextAuth from "next-auth";
import { getContainer } from "@/server/container";
import { configureAuthUrl } from "@/server/http/auth-url";
import { refuseThrottledSignIn } from "@/server/http/sign-in-throttle";

// next-auth's own endpoints (sign-in page, callbacks, session, CSRF token).
// They are next-auth's, not ours, so they are the one API path outside
// `serve()`; next-auth checks its own CSRF token on every POST. A password
// sign-in is counted and, past its limits, answered 429 before next-auth runs
// (docs/security.md#sign-in-abuse).
async function handler(request: Request, context: { params: Promise<{ nextauth: string[] }> }): Promise<Response> {
  const container = await getContainer();
  configureAuthUrl(container.env);
  const { nextauth } = await context.params;
  if (request.method === "POST" && nextauth.join("/") === "callback/credentials") {
    const refused = await refuseThrottledSignIn(container, request);
    if (refused) return refused;
  }
  return NextAuth(request as never, context as never, container.identity.authOptions) as Promise<Response>;
}

export { handler as GET, handler as POST };
