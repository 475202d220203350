/**
 * Whether the console is served over https, read from its public URL
 * (AUTH_URL, or CONSOLE_URL for notification links). Only then is
 * Strict-Transport-Security sent: on a plain-http deployment (the embedded
 * demo, http://localhost:3000) it would be wrong, and browsers ignore it there.
 *
 * @param {Record<string, string | undefined>} env
 */
export function servedOverHttps(env) {
  return [env.AUTH_URL, env.CONSOLE_URL].some((url) => typeof url === "string" && /^https:\/\//i.test(url.trim()));
}

/**
 * The security headers of every response, pages and API alike (docs/operations.md#security-headers).
 *
 * The Content-Security-Policy's main job is `frame-ancestors 'none'`: no other
 * site may frame the console (a framed approval page is a one-click approval).
 * Its script and style rules allow `'unsafe-inline'` because the App Router
 * writes inline <script> tags (the React Server Components payload,
 * `self.__next_f.push(...)`) and inline styles (React Flow, Recharts) into
 * every page; without a per-request nonce (a proxy, and no static pages) a
 * stricter policy would stop the console from hydrating. Everything else is
 * the console's own origin: it loads nothing from other sites, and its
 * EventSource and fetches go to its own /api. `next dev` also needs
 * `'unsafe-eval'` (React rebuilds server error stacks with eval); a built
 * console does not get it.
 *
 * @param {Record<string, string | undefined>} env
 * @returns {{ key: string, value: string }[]}
 */
export function securityHeaders(env) {
  const https = servedOverHttps(env);
  const development = env.NODE_ENV === "development";
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    // On http it would send the console's own requests to an https port nobody listens on.
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
  return [
    { key: "Content-Security-Policy", value: csp },
    // For browsers that predate frame-ancestors.
    { key: "X-Frame-Options", value: "DENY" },
    { key: "X-Content-Type-Options", value: "nosniff" },
    // Operation ids and review links stay inside the console.
    { key: "Referrer-Policy", value: "same-origin" },
    { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=()" },
    ...(https ? [{ key: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" }] : []),
  ];
}

/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite ships its Postgres as WebAssembly plus data files it loads from its own
  // folder at run time; it must be required from node_modules, not bundled.
  // etcd3 loads its .proto files from its own directory at run time, which a bundled copy could not find.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "pino", "neo4j-driver", "etcd3", "@grpc/grpc-js"],
  // `npm test` type-checks the whole project (tsc --noEmit); doing it again inside
  // `next build` would only make the first `npm start` slower.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  reactStrictMode: true,
  // Applied by Next's router to every path before it reaches a page, a route
  // handler (app/api/**, whatever server/http/endpoint.ts builds) or a static
  // file. `next build` writes them into .next/routes-manifest.json, so they
  // follow the environment of the build: scripts/start.ts rebuilds when
  // AUTH_URL or CONSOLE_URL change.
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders(process.env) }];
  },
};

export default nextConfig;
