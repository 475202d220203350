// The security headers of next.config.mjs, put through Next's own code the way
// `next build` and the router use them: validated by loadCustomRoutes, matched
// against request paths (pages, route handlers, static files), and their values
// compiled with the matched path's parameters.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

type Header = { key: string; value: string };
type HeaderRoute = { source: string; headers: Header[] };
type NextConfigModule = {
  default: { headers?: () => Promise<HeaderRoute[]> };
  securityHeaders: (env: Record<string, string | undefined>) => Header[];
};

const require = createRequire(import.meta.url);
const { default: loadCustomRoutes } = require("next/dist/lib/load-custom-routes") as { default: (config: object) => Promise<{ headers: HeaderRoute[] }> };
const { getPathMatch } = require("next/dist/shared/lib/router/utils/path-match") as {
  getPathMatch: (source: string, options: object) => (pathname: string) => false | Record<string, unknown>;
};
const { modifyRouteRegex } = require("next/dist/lib/redirect-status") as { modifyRouteRegex: (regex: string) => string };
const { compileNonPath } = require("next/dist/shared/lib/router/utils/prepare-destination") as { compileNonPath: (value: string, params: object) => string };

const configUrl = pathToFileURL(path.resolve(import.meta.dirname, "next.config.mjs")).href;
const loadConfig = async () => (await import(/* @vite-ignore */ configUrl)) as NextConfigModule;

/** The headers Next's router adds to a response for `pathname` (server/lib/router-utils/resolve-routes.js). */
async function responseHeaders(pathname: string): Promise<Record<string, string>> {
  const { default: config } = await loadConfig();
  const { headers: routes } = await loadCustomRoutes({ ...config, basePath: "", experimental: {} });
  const out: Record<string, string> = {};
  for (const route of routes) {
    const params = getPathMatch(route.source, { strict: true, removeUnnamedParams: true, regexModifier: modifyRouteRegex })(pathname);
    if (!params) continue;
    for (const { key, value } of route.headers) out[key.toLowerCase()] = Object.keys(params).length > 0 ? compileNonPath(value, params) : value;
  }
  return out;
}

const PATHS = ["/", "/signin", "/approvals/op_123", "/api/health", "/api/v1/operations/op_123/approve", "/api/auth/session", "/_next/static/chunks/app.js", "/favicon.svg"];

afterEach(() => vi.unstubAllEnvs());

describe("next.config.mjs security headers", () => {
  it("declares them for every path (/:path*)", async () => {
    const { default: config } = await loadConfig();
    const routes = await config.headers!();
    const all = routes.find((r) => r.source === "/:path*");
    expect(all?.headers.map((h) => h.key)).toEqual(
      expect.arrayContaining(["Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"]),
    );
  });

  it.each(PATHS)("puts them on %s, pages and API alike, with the values unchanged by Next's parameter compiling", async (pathname) => {
    vi.stubEnv("AUTH_URL", "");
    vi.stubEnv("CONSOLE_URL", "");
    const headers = await responseHeaders(pathname);
    expect(headers["content-security-policy"]).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("same-origin");
    expect(headers["permissions-policy"]).toBe("camera=(), microphone=(), geolocation=(), payment=(), usb=()");
    expect(headers["strict-transport-security"]).toBeUndefined();
  });

  it("allows what a built Next 16 console needs (its inline scripts and styles, its own origin) and nothing from other sites", async () => {
    const { securityHeaders } = await loadConfig();
    const csp = securityHeaders({ NODE_ENV: "production" }).find((h) => h.key === "Content-Security-Policy")!.value;
    const directives = Object.fromEntries(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]));
    expect(directives).toMatchObject({
      "default-src": "'self'",
      "script-src": "'self' 'unsafe-inline'",
      "style-src": "'self' 'unsafe-inline'",
      "connect-src": "'self'",
      "object-src": "'none'",
      "base-uri": "'self'",
      "frame-ancestors": "'none'",
    });
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toContain("upgrade-insecure-requests");
    // `next dev` needs eval for React's error stacks.
    expect(securityHeaders({ NODE_ENV: "development" }).find((h) => h.key === "Content-Security-Policy")!.value).toContain("script-src 'self' 'unsafe-inline' 'unsafe-eval'");
  });

  it("adds Strict-Transport-Security (and upgrade-insecure-requests) only when the console's URL is https", async () => {
    const { securityHeaders } = await loadConfig();
    const hsts = (env: Record<string, string>) => securityHeaders(env).find((h) => h.key === "Strict-Transport-Security")?.value;
    expect(hsts({})).toBeUndefined();
    expect(hsts({ AUTH_URL: "http://interlock.internal:3000" })).toBeUndefined();
    expect(hsts({ AUTH_URL: "https://interlock.example.com" })).toBe("max-age=31536000; includeSubDomains");
    expect(hsts({ CONSOLE_URL: "HTTPS://interlock.example.com" })).toBe("max-age=31536000; includeSubDomains");

    vi.stubEnv("AUTH_URL", "https://interlock.example.com");
    const headers = await responseHeaders("/approvals/op_123");
    expect(headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    expect(headers["content-security-policy"]).toMatch(/; upgrade-insecure-requests$/);
  });
});
