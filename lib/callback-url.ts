// Where sign-in (and sign-out) may send the browser afterwards: a path of this
// console and nothing else. `?callbackUrl=` comes from whoever wrote the link,
// so without this rule a link to /signin?callbackUrl=https://evil.example
// (or //evil.example, which a browser reads as "another host, same scheme")
// would hand a freshly signed-in SRE to someone else's page.
//
// A pure module (no "server-only"): next-auth's redirect callback and the sign-in
// page both decide with it.

/** Where to go when the requested place is refused or missing. */
export const DEFAULT_CALLBACK_PATH = "/";

const BASE_PROBE = "http://interlock.invalid";

/**
 * Whether `path` is a same-origin relative path: one leading `/`, not `//` or
 * `/\` (both mean another host to a browser), with no whitespace or control
 * characters (browsers drop tabs and newlines, so "/\t/evil.example" would turn
 * into "//evil.example") and no backslash anywhere (browsers read it as `/`).
 */
export function isSameOriginPath(path: string): boolean {
  if (!path.startsWith("/") || path.startsWith("//")) return false;
  if (/[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff\\]/.test(path)) return false;
  try {
    return new URL(path, BASE_PROBE).origin === BASE_PROBE;
  } catch {
    return false;
  }
}

/**
 * The path to go to after sign-in for a requested `target`: the target itself
 * when it is a same-origin relative path; the path of an absolute URL when
 * `origin` is given and the URL is on exactly that origin (next-auth passes
 * its own absolute URLs); otherwise "/".
 */
export function safeCallbackPath(target: unknown, origin?: string): string {
  if (typeof target !== "string" || target === "") return DEFAULT_CALLBACK_PATH;
  if (target.startsWith("/")) return isSameOriginPath(target) ? target : DEFAULT_CALLBACK_PATH;
  if (!origin) return DEFAULT_CALLBACK_PATH;
  try {
    // The same character rules as a path: "https://console\t.evil" must not be reinterpreted.
    if (/[\u0000-\u0020\u007f\\]/.test(target)) return DEFAULT_CALLBACK_PATH;
    const url = new URL(target);
    if (url.origin !== new URL(origin).origin || url.username || url.password) return DEFAULT_CALLBACK_PATH;
    const path = `${url.pathname}${url.search}${url.hash}`;
    return isSameOriginPath(path) ? path : DEFAULT_CALLBACK_PATH;
  } catch {
    return DEFAULT_CALLBACK_PATH;
  }
}

/**
 * next-auth's `redirect` callback: every callbackUrl it is given (sign-in,
 * sign-out, the OIDC return, its callback-url cookie) ends on this console's
 * own origin, by the same rule as the sign-in page rather than next-auth's
 * built-in default. The answer is absolute because next-auth's client reads it
 * with `new URL()`.
 */
export function authRedirect({ url, baseUrl }: { url: string; baseUrl: string }): string {
  const origin = new URL(baseUrl).origin;
  return `${origin}${safeCallbackPath(url, origin)}`;
}
