import "server-only";
import { getToken } from "next-auth/jwt";
import { authenticateApiToken } from "../core/identity/authenticate-api-token";
import type { IdentityStore } from "../core/identity/ports";
import type { Principal } from "../core/identity/principal";
import { principalOfSession } from "../core/identity/verify-credentials";
import { AppError } from "../core/errors";

export interface Authentication {
  principal: Principal;
  /** Cookies ride along with every request a browser makes, so only these need the cross-site check. */
  via: "session" | "token";
}

const SESSION_COOKIES = ["__Secure-next-auth.session-token", "next-auth.session-token"];

/**
 * Who is calling: `Authorization: Bearer ilk_…` (an API token) or the
 * next-auth session cookie. A bearer header that is present but wrong is
 * refused outright, never retried as the cookie. Null when neither is present.
 */
export async function authenticate(request: Request, deps: { identities: IdentityStore; secret: string; now: Date }): Promise<Authentication | null> {
  const authorization = request.headers.get("authorization");
  if (authorization !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new AppError("UNAUTHENTICATED", "The Authorization header must be: Bearer <API token>");
    return { principal: await authenticateApiToken(deps, match[1]!), via: "token" };
  }
  const cookies = parseCookies(request.headers.get("cookie"));
  const cookieName = SESSION_COOKIES.find((name) => Object.keys(cookies).some((key) => key === name || key.startsWith(`${name}.`)));
  if (!cookieName) return null;
  const token = await getToken({
    req: { headers: { cookie: request.headers.get("cookie") ?? "" }, cookies } as never,
    secret: deps.secret,
    cookieName,
    secureCookie: cookieName.startsWith("__Secure-"),
  }).catch(() => null);
  // A cookie next-auth cannot decode has no claims; one signed in before the account last changed is signed out.
  const session = await principalOfSession(deps, token ?? {});
  if (!session.ok) throw new AppError("UNAUTHENTICATED", session.message, { reason: session.reason });
  return { principal: session.principal, via: "session" };
}

function parseCookies(header: string | null): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in cookies) continue;
    try {
      cookies[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      cookies[name] = part.slice(eq + 1).trim();
    }
  }
  return cookies;
}

/**
 * A browser's mutating request must come from the console's own origin
 * (Origin header, or Sec-Fetch-Site for browsers that omit it): a page on
 * another site cannot make a signed-in SRE's browser approve something.
 */
export function assertSameOrigin(request: Request): void {
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? new URL(request.url).host;
  const origin = request.headers.get("origin");
  if (origin !== null) {
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = null;
    }
    if (originHost === host) return;
    throw new AppError("FORBIDDEN", `Cross-site request refused: Origin ${origin.slice(0, 200)} is not this console (${host}). Automation should use an API token.`, { origin: origin.slice(0, 200) });
  }
  if (request.headers.get("sec-fetch-site") === "same-origin") return;
  throw new AppError("FORBIDDEN", "Cross-site request refused: a request authenticated by the session cookie must carry an Origin header from this console. Automation should use an API token.");
}
