import "server-only";
import type { Env } from "../env";

/**
 * next-auth builds its redirect URLs from NEXTAUTH_URL, or, when it may trust
 * the Host header, from the request. With AUTH_URL set we use that; without it
 * (the embedded default, any port) the request's own host is trusted, which is
 * what `next start` on a developer's machine needs.
 */
export function configureAuthUrl(env: Env): void {
  if (env.AUTH_URL) process.env.NEXTAUTH_URL = env.AUTH_URL;
  else process.env.AUTH_TRUST_HOST ??= "true";
}
